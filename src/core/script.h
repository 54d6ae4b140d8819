/*
 * script: a migration file cut into statements by libpg_query.
 *
 * pgshift never splits SQL by hand: libpg_query parses the file with
 * PostgreSQL's own grammar (semicolons inside strings, comments and dollar
 * quotes are no trouble), giving each statement's boundaries and its parse
 * tree; pg_query_scan gives the first real token of each, so an error can
 * name the statement's line.
 */
#ifndef PGSHIFT_SCRIPT_H
#define PGSHIFT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include <pg_query/pg_query.pb-c.h>

#include "util/buf.h"
#include "util/err.h"

struct stmt {
	size_t off;	/* start of the text sent to the server (may include leading comments) */
	size_t len;
	size_t start;	/* offset of the statement's first token */
	int line;	/* 1-based line of start */
	int end_line;	/* the last line of [start, off + len) */
	/* the directives [dir_first, dir_end) stand above it: after the previous statement's last line, before line */
	size_t dir_first, dir_end;
	PgQuery__Node *node;	/* the parse tree of the statement (owned by the script) */
};

struct script_arena;

/* A `-- pgshift:NAME ARGS` comment, found by the scanner (never by string search); in file order. */
struct directive {
	char *name;	/* e.g. "no-transaction" */
	char *args;	/* the rest of the line, trimmed; "" when none */
	int line;
};

struct script {
	struct stmt *stmts;
	size_t n;
	PgQuery__ParseResult *tree;	/* lives in arena */
	struct script_arena *arena;	/* on the heap, so that a script can be moved */
	struct directive *directives;
	size_t ndirectives;
};

/*
 * Splits sql (NUL-terminated).  On a syntax error returns -1 with err saying
 * "PATH:LINE:COL: MESSAGE" (path is only used for the message).
 */
int script_split(const char *path, const char *sql, struct script *out, struct pgs_error *err);
void script_free(struct script *s);
/* The directive called name, or NULL. */
const struct directive *script_directive(const struct script *s, const char *name);
/*
 * Why a statement cannot run inside a transaction block (e.g. "CREATE INDEX
 * CONCURRENTLY"), judged from its parse tree for the given server version
 * (PostgreSQL's version number, e.g. 150000); NULL when it can.
 */
const char *script_needs_autocommit(const PgQuery__Node *node, int server_version);
/*
 * A statement that builds an index concurrently, read from its parse tree:
 * CREATE INDEX CONCURRENTLY (its table, its name, IF NOT EXISTS) or REINDEX
 * INDEX/TABLE CONCURRENTLY.  Such a build that fails or is interrupted leaves
 * an invalid index behind, which the statement path checks before and after.
 * The strings point into the parse tree (owned by the script).
 */
enum concurrent_kind { CC_NONE, CC_CREATE, CC_REINDEX_INDEX, CC_REINDEX_TABLE };
struct concurrent_index {
	enum concurrent_kind kind;
	const char *schema;	/* as written: the table's (CREATE, REINDEX TABLE) or the index's; NULL when unqualified */
	const char *relation;	/* the table (CREATE, REINDEX TABLE) or the index (REINDEX INDEX) */
	const char *index;	/* CREATE: the index's name, NULL when the server picks one */
	bool if_not_exists;	/* CREATE ... IF NOT EXISTS */
};
/* Fills out (kind CC_NONE for every other statement, REINDEX SCHEMA/DATABASE included). */
void script_concurrent_index(const PgQuery__Node *node, struct concurrent_index *out);
/*
 * True when deploy commits the migration in steps rather than in one
 * transaction, so that a failed run leaves statements applied and deploy
 * resumes it at its first statement not done: the file carries
 * `-- pgshift:no-transaction` or `-- pgshift:backfill`, or every statement
 * must run outside a transaction block.
 */
bool script_commits_in_steps(const struct script *s, int server_version);
/*
 * Calls fn for every table, view or sequence the statement names (every
 * RangeVar in its tree, found by walking the protobuf descriptors).
 */
void script_relations(const PgQuery__Node *node, void (*fn)(const PgQuery__RangeVar *rv, void *ctx), void *ctx);
/* Calls fn for every message of type type in the statement's tree (e.g. &pg_query__func_call__descriptor). */
void script_messages(const PgQuery__Node *node, const ProtobufCMessageDescriptor *type,
		     void (*fn)(const ProtobufCMessage *m, void *ctx), void *ctx);
/*
 * The first directive called name that stands for statement i: on a line
 * after the previous statement and before statement i's first token (e.g.
 * the `-- pgshift:backfill` above an UPDATE), or NULL.  Mapped once by
 * script_split, so this costs only the directives above statement i.
 */
const struct directive *script_statement_directive(const struct script *s, size_t i, const char *name);

/*
 * A backfill UPDATE cut into what the backfill engine takes: the table
 * (quoted as SQL reads it), the SET list and the WHERE condition (NULL when
 * none), as written, each ending at its last token (a trailing comment is
 * left out: the engine writes more SQL after each).  Refuses WITH, FROM,
 * RETURNING, an alias and WHERE CURRENT OF, which a batched UPDATE cannot
 * carry.  Both parts come from one parsed statement, so their parentheses
 * balance, and a comment inside a part ends before the part does.
 */
struct update_parts {
	char *table, *set, *where;
};
int script_update_parts(const char *sql, const struct stmt *st, struct update_parts *out, struct pgs_error *err);
/*
 * Checks, with the scanner, that text (a SET list or WHERE condition, what
 * says which) can be pasted into a batch query as it is: parentheses
 * balanced and never closing one opened before it, no ';' and no comment.
 * Wrapped in parentheses, a condition then stays one operand however the
 * query goes on.
 */
int script_check_fragment(const char *text, const char *what, struct pgs_error *err);
void update_parts_free(struct update_parts *p);

/*
 * The settings a -- pgshift:backfill line may carry, as key=value words:
 * batch=N target-ms=MS sleep=MS max-lag=DURATION lock-timeout=DURATION
 * (the backfill command's options of the same names).  -1: not given.
 */
/* The largest batch, first or adapted: each holds its rows locked until it commits. */
#define BACKFILL_MAX_BATCH 100000
struct backfill_args {
	long batch, target_ms, sleep_ms, max_lag_ms, lock_timeout_ms;
};
int script_backfill_args(const char *args, struct backfill_args *out, struct pgs_error *err);

/* Appends the first line of the statement (from its first token) to b, at most max bytes. */
void script_first_line(const char *sql, const struct stmt *st, struct buf *b, size_t max);

#endif
