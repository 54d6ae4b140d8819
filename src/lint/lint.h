/*
 * lint: the safety linter.
 *
 * Each migration file is parsed by libpg_query (core/script) and every
 * statement is shown to the rules registered for its node type, together
 * with the batch context: objects created earlier in the same migration or
 * in an earlier migration of the batch are new, hold no data, and most
 * rules leave them alone.  `-- pgshift:allow RULE because: REASON`
 * acknowledges a finding; a reason is required.  Nothing here prints:
 * reporters turn the findings into text, JSON, SARIF or annotations.
 */
#ifndef PGSHIFT_LINT_H
#define PGSHIFT_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

enum severity {
	SEV_ERROR,	/* the file cannot be checked: syntax error, bad directive */
	SEV_REVIEW,	/* destructive or breaks the running app: the gate stops */
	SEV_WARNING,	/* locks or rewrites with a safer form */
	SEV_HINT,	/* style, off unless asked for */
	SEV_INFO,	/* a review finding the target database shows to be about nothing: never blocks */
};

struct finding {
	const char *rule;	/* rule id (static) */
	enum severity sev;
	char *file;
	int line, col;
	char *message;		/* one line */
	char *effect;		/* what happens in production */
	char *safe;		/* the safe alternative, SQL to copy */
	char *migration;	/* migration name, or NULL for a plain file */
	char *ack;		/* the allow directive's reason, when acknowledged */
	bool approved;		/* approved by --approve */
};

struct findings {
	struct finding *items;
	size_t n, cap;
};

/* Looks up the current type of table.column in the database (new string), or NULL. */
typedef char *(*lint_type_lookup)(void *ctx, const char *schema, const char *table, const char *column);
/* True when table.column cannot hold a NULL in the database (NOT NULL, or a valid CHECK (column IS NOT NULL)). */
typedef bool (*lint_not_null_lookup)(void *ctx, const char *schema, const char *table, const char *column);

/*
 * Names a foreign key between two tables in the database, either way round
 * ("posts_user_id_fkey (posts.user_id references users)", new string), or NULL.
 */
typedef char *(*lint_fk_lookup)(void *ctx, const char *schema1, const char *table1, const char *schema2,
				const char *table2);

/*
 * Whether the database holds an object: kind as lint_is_new (rule.h), plus
 * 'F' a function or procedure by name alone and 'f' by name and input
 * argument types, given in args as SQL type names (NULL-terminated), and
 * 'E' a table that holds no rows (0 also when it has some);
 * schema NULL when unqualified (the database's search_path resolves it).
 * 1: it exists, 0: it does not, -1: unknown.
 */
typedef int (*lint_exists_lookup)(void *ctx, char kind, const char *schema, const char *name, const char *const *args);

struct lint_opts {
	int pg_version;		/* PostgreSQL version number, e.g. 150000 */
	/*
	 * The files form one batch (the pending migrations, applied in order):
	 * what one creates is new for the next.  Without it each file stands
	 * alone, which is the safe reading when it is unknown what is applied.
	 */
	bool batch;
	bool hints;
	lint_type_lookup column_type;
	lint_not_null_lookup not_null;
	lint_fk_lookup foreign_key;
	/* with it, a review finding about an object the target lacks becomes info (deploy's gate, lint with a database) */
	lint_exists_lookup exists;
	void *lookup_ctx;
};

/* A search_path as lint follows it through a migration. */
struct lint_search_path {
	char **schemas;		/* NULL-terminated, owned; NULL: the default, taken as public */
	bool unknown;		/* set in a way lint cannot follow: nothing unqualified counts as new */
};

struct lint_run {
	struct lint_opts opts;
	void *created;		/* tsearch tree of objects created in the batch, by schema and name */
	/* tsearch tree of names an object of the target may have been renamed or moved to (lint.c) */
	void *moved;
	bool opaque;		/* the batch ran code lint cannot follow (DO, CALL): anything may exist */
	/* the session's path (deploy runs a batch in one session) and a SET LOCAL of the current file */
	struct lint_search_path path, local_path;
	bool local_path_set;
	struct findings out;
	size_t statements;	/* how many were checked */
	size_t files;		/* how many files were linted before the current one */
	/* CHECK (col IS NOT NULL) constraints the batch adds (lint.c), for set-not-null */
	struct lint_nn_check *checks;
	size_t n_checks, cap_checks;
};

void lint_init(struct lint_run *run, const struct lint_opts *opts);
/* Lints one file of the batch, in order; migration may be NULL. */
void lint_file(struct lint_run *run, const char *path, const char *sql, const char *migration);
void lint_free(struct lint_run *run);

/* Marks the findings of migration as approved (by --approve). */
void lint_approve(struct lint_run *run, const char *migration);
/* True when the finding blocks: review (warning too when strict), not acknowledged or approved. */
bool lint_blocks(const struct finding *f, bool strict);
/* 1 when any error, 3 when any blocking finding, else 0. */
int lint_exit_code(const struct findings *f, bool strict);
const char *severity_name(enum severity s);

/* A rule of the catalogue, for reporters and `allow` validation. */
struct rule_info {
	const char *id;
	enum severity sev;
	const char *summary;
};
const struct rule_info *lint_rule_info(const char *id);
/* All rules, terminated by an entry with id NULL. */
const struct rule_info *lint_rules(void);

/* The strongest table lock a statement (a PgQuery__Node) takes, in words; "" when none or unknown. */
const char *lint_lock_level(const void *node);

/* Reporters: each appends to out. */
void lint_report_text(const struct findings *f, bool colour, bool strict, struct buf *out);
void lint_report_json(const struct findings *f, bool strict, struct buf *out);
void lint_report_sarif(const struct findings *f, struct buf *out);
void lint_report_github(const struct findings *f, bool strict, struct buf *out);
/*
 * The review record of migration name for its history row: its acknowledged
 * and approved findings, as JSON (new string); NULL when it has none and is
 * not approved.
 */
char *lint_review_record(const struct findings *f, const char *name, bool approved);

#endif
