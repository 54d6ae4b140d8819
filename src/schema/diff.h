/*
 * diff: the plan that takes the schema of one model to that of another.
 *
 * schema_diff_plan() compares two models (schema/model.h) and returns the
 * statements, in order, that turn `from` into `to`: objects only in `from`
 * dropped (dependants first), objects only in `to` created (in
 * schema_order's order), objects in both but different altered in place
 * where PostgreSQL can, else dropped and created again together with what
 * depends on them.  The SQL is the safe form pgshift lint recommends:
 * indexes on existing tables built CONCURRENTLY outside a transaction,
 * foreign keys and checks added NOT VALID and validated in a later
 * migration, SET NOT NULL proved by a validated check first.  What cannot
 * be made safe (a dropped table or column, a type change) is generated all
 * the same, with a comment saying what it loses, and left for the gate.
 *
 * A plan is a list of migrations: consecutive statements between two
 * boundaries (stmt->new_migration) run together, in one transaction when
 * in_transaction, else each on its own.  Boundaries fall where the
 * transaction mode changes, where a step must see the previous one
 * committed (VALIDATE after NOT VALID), and between transactional
 * statements that lock different existing tables (one table per
 * migration, as multiple-tables-locked asks).
 *
 * Pure: no libpq, no printing.  The plan owns all of its strings.
 */
#ifndef PGSHIFT_SCHEMA_DIFF_H
#define PGSHIFT_SCHEMA_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/model.h"
#include "util/buf.h"
#include "util/err.h"

/* Hazards of a statement (bits of diff_stmt.hazards). */
#define DIFF_DATA_LOSS 0x1u	/* drops data: a table, a column, values that may not fit a new type */
#define DIFF_REWRITE 0x2u	/* rewrites the table (a type change, a new identity or generated column) */
#define DIFF_LOCK_STRONG 0x4u	/* ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE) on an existing table */
#define DIFF_RECREATE 0x8u	/* drops an object that the plan creates again (a view around a column change) */

struct diff_stmt {
	char *sql;		/* one statement, ending ";\n" */
	const char *kind;	/* the object's kind: schema_kind_name() ("table", "index", ...) */
	const char *action;	/* "create", "drop", "alter", "validate", "comment", "grant" */
	char *object;		/* the object's quoted qualified name (qname) */
	bool in_transaction;	/* false: must run outside a transaction block (CONCURRENTLY, ADD VALUE) */
	bool new_migration;	/* the first statement of a migration (always true for stmts[0]) */
	unsigned hazards;	/* DIFF_* bits */
	const char *lock;	/* the table lock it takes, in words */
	char *comment;		/* "-- ..." lines that go before it (what it loses, a rename hint), or NULL */
	char *table;		/* the existing table it locks strongly, or NULL (for the migration split) */
	char *ref_table;	/* a foreign key's referenced existing table, or NULL */
};

struct diff_plan {
	struct diff_stmt *stmts;
	size_t n;
	size_t cap;
	size_t migrations;	/* how many migrations the boundaries make */
};

/*
 * The plan from `from` to `to` (out initialised here; free it with
 * diff_plan_free, also after a failure).  An empty plan (n == 0) means the
 * models are equal.  -1 with err only for a model it cannot handle.
 */
int schema_diff_plan(const struct schema_model *from, const struct schema_model *to, struct diff_plan *out,
		     struct pgs_error *err);
void diff_plan_free(struct diff_plan *p);

/*
 * The plan as SQL text, migration by migration: each starts with a
 * "-- migration N of M" line ("(no transaction: ...)" added for one that
 * must run outside a transaction), then every statement with its comment.
 * Applied with psql -f as is (autocommit), it takes `from` to `to`; `new
 * --from-schema` writes each migration to a directory of its own instead.
 */
void diff_plan_sql(const struct diff_plan *p, struct buf *out);

/*
 * Statements [first, end) with their comments, without migration lines:
 * the body of one migration's file (new --from-schema writes each
 * migration of the plan to a directory of its own).
 */
void diff_plan_sql_range(const struct diff_plan *p, size_t first, size_t end, struct buf *out);
/*
 * Makes the plan one migration that runs in one transaction, as rollback
 * runs a down.sql: index statements lose CONCURRENTLY (the index is built
 * under a lock, which lint warns about), ADD VALUE stays (PostgreSQL 12+
 * runs it in a transaction block).
 */
void diff_plan_one_transaction(struct diff_plan *p);
/*
 * The SQL of a down.sql that takes `after` back to `before`: the plan
 * between them in one transaction (diff_plan_one_transaction), appended to
 * out.  Returns its number of statements (0: nothing to undo), -1 with err.
 */
int schema_down_sql(const struct schema_model *after, const struct schema_model *before, struct buf *out,
		    struct pgs_error *err);

#endif
