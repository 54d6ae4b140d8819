/*
 * rule: what a lint rule sees and how it reports.  Internal to src/lint/.
 */
#ifndef PGSHIFT_RULE_H
#define PGSHIFT_RULE_H

#include <pg_query/pg_query.pb-c.h>
#include <stdbool.h>

#include "core/script.h"
#include "lint/lint.h"

/* A table a statement locks strongly (multiple-tables-locked). */
struct locked_table {
	char *schema;		/* resolved, "" when unknown; owned */
	char *name;		/* owned */
	const char *mode;	/* static */
};

/* One statement in its context. */
struct lint_ctx {
	struct lint_run *run;
	const char *path;
	const char *sql;
	const char *migration;
	const struct script *script;
	const struct stmt *stmt;
	size_t index;			/* of stmt in script */
	bool no_transaction;		/* the file runs outside a transaction */
	bool mixed_autocommit;		/* autocommit-only statements mixed with others, no directive */
	char **altered;			/* tables this file alters (for dml-with-ddl), NULL-terminated */
	/* existing tables earlier statements of this file lock ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE */
	struct locked_table *locked;	/* owned by lint_file, freed after the file */
	size_t nlocked;
	bool locked_reported;		/* multiple-tables-locked reports once per file */
};

/*
 * A lint rule, as the table in lint/rules/rules.c lists it.  check looks at
 * one statement of type node (0: any) and reports each finding as self, so
 * one function can serve several entries; entries may share an id when one
 * rule looks at several statement types (unbounded-dml on DELETE and
 * UPDATE), and the entry with the summary describes the rule.
 */
struct rule {
	const char *id;
	enum severity sev;
	const char *summary;	/* NULL on the further entries of an id */
	PgQuery__Node__NodeCase node;
	void (*check)(struct lint_ctx *ctx, const struct rule *self, const PgQuery__Node *node);
	/* a -- pgshift:backfill above the statement is the safe way to do what this warns of: not checked there */
	bool answered_by_backfill;
};

/* The rule table (lint/rules/rules.c), in catalogue order; ends with an entry whose id is NULL. */
extern const struct rule lint_rule_table[];

/* The rules' checks, each in the file of its kind under lint/rules/. */
#define RULE_CHECK(name) void name(struct lint_ctx *ctx, const struct rule *self, const PgQuery__Node *node)
/* drop.c */
RULE_CHECK(rule_drop_table);
RULE_CHECK(rule_drop_schema);
RULE_CHECK(rule_drop_object);
RULE_CHECK(rule_drop_index);
RULE_CHECK(rule_redefine_function);
RULE_CHECK(rule_truncate);
RULE_CHECK(rule_drop_database);
/* alter_table.c */
RULE_CHECK(rule_drop_column);
RULE_CHECK(rule_alter_column_type);
RULE_CHECK(rule_add_not_null_column);
RULE_CHECK(rule_set_not_null);
RULE_CHECK(rule_fk_without_not_valid);
RULE_CHECK(rule_check_without_not_valid);
RULE_CHECK(rule_unique_without_index);
RULE_CHECK(rule_volatile_default);
RULE_CHECK(rule_alter_table_rewrite);
/* other.c */
RULE_CHECK(rule_rename);
RULE_CHECK(rule_unbounded_delete);
RULE_CHECK(rule_unbounded_update);
RULE_CHECK(rule_non_concurrent_index);
RULE_CHECK(rule_non_concurrent_reindex);
RULE_CHECK(rule_lock_table);
RULE_CHECK(rule_concurrently_in_transaction);
RULE_CHECK(rule_enum_add_value);
RULE_CHECK(rule_dml_with_ddl_update);
RULE_CHECK(rule_dml_with_ddl_delete);
RULE_CHECK(rule_dml_with_ddl_insert);
RULE_CHECK(rule_disables_timeout);
RULE_CHECK(rule_transaction_control);
RULE_CHECK(rule_not_idempotent_no_tx);
RULE_CHECK(rule_vacuum_full);
RULE_CHECK(rule_cluster);
/* hints.c */
RULE_CHECK(rule_prefer_bigint);
RULE_CHECK(rule_prefer_text);
RULE_CHECK(rule_prefer_timestamptz);
RULE_CHECK(rule_prefer_identity);
RULE_CHECK(rule_ban_char);
/* multi_table.c */
RULE_CHECK(rule_multiple_tables_locked);

/*
 * Names substituted into a rule's effect and safe-alternative templates,
 * as the parse tree gives them (unquoted); the template quotes them.
 */
struct subst {
	const char *schema;	/* of table, and of name in {qname}; NULL when unqualified */
	const char *table;	/* {table}: schema.table */
	const char *column;	/* {column} */
	const char *name;	/* {name}: an index, constraint, type...; {qname}: schema.name */
	const char *sql;	/* {sql}: a fragment of SQL, already quoted, inserted as it is */
};

/*
 * Adds a finding of rule r at byte offset loc of the file (-1: the
 * statement's start).  effect and safe are templates in which {table},
 * {column}, {name} and {qname} are replaced from sub, each quoted as
 * an SQL identifier; {KEY+suffix} appends suffix to the name before
 * quoting ({column+_not_null}: "oldField_not_null"); {shtable} is {table}
 * quoted again for a shell command line; {sql} is inserted as it is.
 */
void lint_report(struct lint_ctx *ctx, const struct rule *r, int loc, const struct subst *sub, const char *effect,
		 const char *safe, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * True when schema.name was created earlier in the batch (by a CREATE
 * without IF NOT EXISTS or OR REPLACE); an unqualified name (schema NULL or
 * "") is resolved through the search_path the migration set, by default
 * public.  Kinds: 'r' table, view or sequence; 'i' index; 't' type; 's'
 * schema (schema ignored).
 */
bool lint_is_new(const struct lint_ctx *ctx, char kind, const char *schema, const char *name);
bool lint_rangevar_is_new(const struct lint_ctx *ctx, const PgQuery__RangeVar *rv);
/* The same for a function or procedure, told apart by its input argument types. */
bool lint_function_is_new(const struct lint_ctx *ctx, const PgQuery__ObjectWithArgs *f);
/* An object a review finding is about, for lint_report_on. */
struct lint_object {
	char kind;		/* as lint_is_new */
	const char *schema;	/* NULL when unqualified */
	const char *name;
	const PgQuery__ObjectWithArgs *function;	/* a function or procedure instead of kind, schema and name */
	const char *what;	/* "table", "sequence"...: for the message */
};
/*
 * True when the database (lint_opts.exists) shows the target has no such
 * object and no earlier statement of the batch renamed or moved anything
 * to its name, nor ran code lint cannot follow (DO, CALL); false without
 * a database or when unsure.  Objects the batch created are lint_is_new.
 */
bool lint_absent(const struct lint_ctx *ctx, const struct lint_object *o);
/*
 * True when the database (lint_opts.exists, kind 'E') shows that table o
 * exists and holds no rows at the time of the check, that no earlier
 * statement of the batch renamed or moved anything to its name, and that
 * the name resolves as the deploy will resolve it; false without a
 * database or when unsure.  Dropping such a table loses no data.
 */
bool lint_empty_table(const struct lint_ctx *ctx, const struct lint_object *o);
/*
 * lint_report for a finding about object o: a review finding about an
 * object that is lint_absent becomes an info finding that says so.
 */
void lint_report_on(struct lint_ctx *ctx, const struct rule *r, const struct lint_object *o, int loc,
		    const struct subst *sub, const char *effect, const char *safe, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/*
 * True when a later statement of the same migration creates (CREATE [OR
 * REPLACE]) the function or procedure f drops, with the same name, schema
 * as written and input argument types: the DROP redefines it.
 */
bool lint_function_redefined(const struct lint_ctx *ctx, const PgQuery__ObjectWithArgs *f, bool procedure);
/*
 * Appends name as PostgreSQL's quote_identifier writes it: bare when it is
 * lower-case letters, digits and underscores, starts with a letter or an
 * underscore and is not a keyword (libpg_query's scanner tells), else in
 * double quotes with inner double quotes doubled.
 */
void lint_quote_ident(struct buf *b, const char *name);
/* schema.name, each part quoted; name alone when schema is NULL or "". */
void lint_quote_qualified(struct buf *b, const char *schema, const char *name);
/*
 * True when SET NOT NULL on column of table rv needs no scan: PostgreSQL
 * 12 or later and a CHECK (column IS NOT NULL) of the batch is valid by
 * now and was not added in the current transaction (whose ACCESS EXCLUSIVE
 * lock would then be held through the validation's scan).
 */
bool lint_not_null_proved(const struct lint_ctx *ctx, const PgQuery__RangeVar *rv, const char *column);
/*
 * The SQL of one statement, written by libpg_query's deparser from the
 * tree (identifiers quoted as PostgreSQL quotes them), on one line with
 * control characters made visible; new string, NULL if the deparser fails.  Rules build a safe alternative by deparsing a
 * shallow copy of the statement with the safe options set.
 */
char *lint_deparse(const PgQuery__Node *stmt);
/*
 * lint_deparse for a statement that names what it creates (an index, a
 * constraint): libpg_query 15 writes that name unquoted, so the caller
 * sets it to LINT_NAME_MARK in the tree and name goes in quoted here.
 */
#define LINT_NAME_MARK "pgshift_name_mark_"
char *lint_deparse_named(const PgQuery__Node *stmt, const char *name);
/* "(a, b)": a list of String nodes (column names), each quoted. */
void lint_quote_list(struct buf *b, PgQuery__Node **items, size_t n);
/* The schema an unqualified relation name resolves to in the batch (schema when given); NULL when unknown. */
const char *lint_relation_schema(const struct lint_ctx *ctx, const char *schema, const char *name);
/*
 * Calls fn for each table statement n locks ACCESS EXCLUSIVE or SHARE ROW
 * EXCLUSIVE (the table a foreign key references too); schema NULL when
 * unqualified.  lint/locks.c.
 */
typedef void (*lint_lock_fn)(const char *schema, const char *name, const char *mode, void *arg);
void lint_strong_locks(const PgQuery__Node *n, lint_lock_fn fn, void *arg);
/* "schema.name" or "name" (static buffer, for messages). */
const char *lint_rv_name(const PgQuery__RangeVar *rv);
/* The dotted name of a list of String nodes (static buffer). */
const char *lint_list_name(PgQuery__Node **items, size_t n);
/* The last String of a list (e.g. a type or function name without its schema). */
const char *lint_list_last(PgQuery__Node **items, size_t n);
/* The String before the last (a qualified name's schema), or NULL. */
const char *lint_list_schema(PgQuery__Node **items, size_t n);

#endif
