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

struct rule {
	const char *id;
	enum severity sev;
	const char *summary;
	PgQuery__Node__NodeCase node;	/* the statement type it looks at */
	void (*check)(struct lint_ctx *ctx, const PgQuery__Node *node);
};

/* Names substituted into a rule's effect and safe-alternative templates. */
struct subst {
	const char *table;	/* {table} */
	const char *column;	/* {column} */
	const char *name;	/* {name}: an index, constraint, type... */
};

/*
 * Adds a finding of rule r at byte offset loc of the file (-1: the
 * statement's start).  effect and safe are templates in which {table},
 * {column} and {name} are replaced from sub.
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

/* The rule table (lint/rules/rules.c): NULL-terminated lists of NULL-terminated lists. */
extern const struct rule *const *const lint_rule_lists[];

#endif
