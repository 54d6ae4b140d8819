/*
 * Rules on everything but DROP and ALTER TABLE: renames, unbounded data
 * changes, index builds, explicit locks, enum values, timeouts,
 * transaction control and the no-transaction specifics.
 */
#include <stdlib.h>
#include <string.h>

#include "lint/rule.h"
#include "util/buf.h"

RULE_CHECK(rule_rename)
{
	const PgQuery__RenameStmt *r = node->rename_stmt;
	struct subst sub = { .column = r->subname, .name = r->newname };
	struct lint_object table;

	if (!r->relation || lint_rangevar_is_new(ctx, r->relation))
		return;
	table = (struct lint_object){ 'r', r->relation->schemaname, r->relation->relname, NULL, "table" };
	sub.schema = r->relation->schemaname;
	sub.table = r->relation->relname;
	if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN)
		lint_report_on(ctx, self, &table, r->relation->location, &sub,
			    "running code that uses {table}.{column} fails the moment this commits",
			    "-- expand/contract:\nALTER TABLE {table} ADD COLUMN {name} <type>;\n"
			    "-- write both columns from the app, backfill {name}, switch reads to {name},\n"
			    "-- then drop {column} in a later migration",
			    "renaming column \"%s\" of \"%s\" breaks code that uses the old name", r->subname,
			    lint_rv_name(r->relation));
	else if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		 r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
		 r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
		lint_report_on(ctx, self, &table, r->relation->location, &sub,
			    "running code that uses {table} fails the moment this commits",
			    "-- expand/contract: create {qname}, write to both, backfill, switch reads,\n"
			    "-- then drop {table} in a later migration (or keep a view named {table} meanwhile:\n"
			    "-- ALTER TABLE {table} RENAME TO {name}; CREATE VIEW {table} AS SELECT * FROM {qname};)",
			    "renaming \"%s\" to \"%s\" breaks code that uses the old name", lint_rv_name(r->relation),
			    r->newname);
}

static void unbounded(struct lint_ctx *ctx, const struct rule *self, const PgQuery__RangeVar *rv, const char *verb)
{
	struct subst sub = { .schema = rv->schemaname, .table = rv->relname };

	if (lint_rangevar_is_new(ctx, rv))
		return;
	lint_report_on(ctx, self, &(struct lint_object){ 'r', rv->schemaname, rv->relname, NULL, "table" },
		       rv->location, &sub,
		    "touches every row of {table} in one transaction: row locks on all of them, bloat, replica lag",
		    "-- in batches, outside the schema migration:\n"
		    "pgshift backfill --table {shtable} --set \"col = expr\" --batch 1000",
		    "%s on \"%s\" has no WHERE: it touches every row", verb, lint_rv_name(rv));
}

RULE_CHECK(rule_unbounded_delete)
{
	if (!node->delete_stmt->where_clause)
		unbounded(ctx, self, node->delete_stmt->relation, "DELETE");
}

RULE_CHECK(rule_unbounded_update)
{
	if (!node->update_stmt->where_clause)
		unbounded(ctx, self, node->update_stmt->relation, "UPDATE");
}

static bool altered_here(const struct lint_ctx *ctx, const PgQuery__RangeVar *rv)
{
	for (char **t = ctx->altered; rv && t && *t; t++)
		if (!strcmp(*t, rv->relname))
			return true;
	return false;
}

/* dml-with-ddl: a data change on a table the same migration also alters. */
static void dml_ddl(struct lint_ctx *ctx, const struct rule *self, const PgQuery__RangeVar *rv, const char *verb)
{
	struct subst sub = { .schema = rv->schemaname, .table = rv->relname };

	if (!altered_here(ctx, rv) || lint_rangevar_is_new(ctx, rv))
		return;
	lint_report(ctx, self, rv->location, &sub,
		    "the ALTER's lock on {table} is held while every row is changed",
		    "-- schema change and data change in separate migrations; the data in batches:\n"
		    "pgshift backfill --table {shtable} --set \"col = expr\"",
		    "%s on \"%s\" in the same migration that alters it", verb, lint_rv_name(rv));
}

RULE_CHECK(rule_dml_with_ddl_update)
{
	dml_ddl(ctx, self, node->update_stmt->relation, "UPDATE");
}

RULE_CHECK(rule_dml_with_ddl_delete)
{
	dml_ddl(ctx, self, node->delete_stmt->relation, "DELETE");
}

RULE_CHECK(rule_dml_with_ddl_insert)
{
	const PgQuery__InsertStmt *i = node->insert_stmt;
	const PgQuery__Node *sel = i->select_stmt;

	/* INSERT ... VALUES is bounded by what is written; INSERT ... SELECT is not. */
	if (sel && sel->node_case == PG_QUERY__NODE__NODE_SELECT_STMT && sel->select_stmt->n_values_lists == 0)
		dml_ddl(ctx, self, i->relation, "INSERT ... SELECT");
}

RULE_CHECK(rule_non_concurrent_index)
{
	const PgQuery__IndexStmt *x = node->index_stmt;
	PgQuery__IndexStmt copy = *x;
	PgQuery__Node stmt = PG_QUERY__NODE__INIT;
	char *name, *sql;
	struct subst sub = { .schema = x->relation->schemaname, .table = x->relation->relname };

	if (x->concurrent || lint_rangevar_is_new(ctx, x->relation))
		return;
	/* IF NOT EXISTS needs a name: the one given, else one made here */
	name = x->idxname && *x->idxname ? xstrdup(x->idxname) : xasprintf("%s_idx", x->relation->relname);
	copy.idxname = (char *)LINT_NAME_MARK;
	copy.concurrent = true;
	copy.if_not_exists = true;
	stmt.node_case = PG_QUERY__NODE__NODE_INDEX_STMT;
	stmt.index_stmt = &copy;
	sql = lint_deparse_named(&stmt, name);
	sub.name = name;
	sub.sql = sql ? sql : "-- (pgshift could not write this statement)";
	lint_report(ctx, self, x->relation->location, &sub,
		    "SHARE lock on {table}: every INSERT, UPDATE and DELETE waits for the whole build",
		    "-- in a migration of its own (pgshift runs it outside a transaction):\n{sql};",
		    "building index on existing table \"%s\" without CONCURRENTLY blocks writes", lint_rv_name(x->relation));
	free(sql);
	free(name);
}

static bool has_option(PgQuery__Node **opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && !strcmp(opts[i]->def_elem->defname, name))
			return true;
	return false;
}

RULE_CHECK(rule_non_concurrent_reindex)
{
	const PgQuery__ReindexStmt *r = node->reindex_stmt;
	struct subst sub = { .schema = r->relation ? r->relation->schemaname : NULL,
			     .table = r->relation ? r->relation->relname : NULL, .name = r->name };
	const char *safe;

	if (has_option(r->params, r->n_params, "concurrently") || ctx->run->opts.pg_version < 120000)
		return;
	switch (r->kind) {
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX:
		safe = "-- in a migration of its own:\nREINDEX INDEX CONCURRENTLY {table};";
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE:
		safe = "-- in a migration of its own:\nREINDEX TABLE CONCURRENTLY {table};";
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA:
		safe = "-- in a migration of its own:\nREINDEX SCHEMA CONCURRENTLY {name};";
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE:
		safe = "-- in a migration of its own:\nREINDEX DATABASE CONCURRENTLY {name};";
		break;
	default:
		safe = "-- system catalogs cannot be reindexed concurrently: do it in a maintenance window";
		break;
	}
	lint_report(ctx, self, -1, &sub,
		    r->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX
			    ? "blocks writes to the table of index {table} (and reads that use the index) while it runs"
		    : r->relation ? "blocks writes to {table} (and reads that use its indexes) while it runs"
				  : "blocks writes to each table (and reads that use its indexes) while it is reindexed",
		    safe, "REINDEX without CONCURRENTLY blocks writes");
}

RULE_CHECK(rule_lock_table)
{
	const PgQuery__LockStmt *l = node->lock_stmt;
	const PgQuery__RangeVar *rv = l->n_relations ? l->relations[0]->range_var : NULL;
	struct subst sub = { .schema = rv ? rv->schemaname : NULL, .table = rv ? rv->relname : NULL };

	lint_report(ctx, self, -1, &sub, "holds the lock on {table} until the migration commits; the app queues behind it",
		    "-- remove the LOCK; pgshift already runs each migration with a lock_timeout",
		    "explicit LOCK TABLE \"%s\"", lint_rv_name(rv));
}

RULE_CHECK(rule_concurrently_in_transaction)
{
	const char *why = script_needs_autocommit(node, ctx->run->opts.pg_version);

	if (!why || !ctx->mixed_autocommit)
		return;
	lint_report(ctx, self, -1, NULL, "cannot run inside a transaction block: the migration fails (pgshift refuses it)",
		    "-- put it alone in a migration of its own; pgshift runs that outside a transaction",
		    "%s together with other statements in one transactional migration", why);
}

RULE_CHECK(rule_enum_add_value)
{
	const PgQuery__AlterEnumStmt *a = node->alter_enum_stmt;
	const char *type = lint_list_name(a->type_name, a->n_type_name);
	struct subst sub = { .schema = lint_list_schema(a->type_name, a->n_type_name),
			     .name = lint_list_last(a->type_name, a->n_type_name) };
	struct buf value = BUF_INIT;
	bool old12 = ctx->run->opts.pg_version < 120000;

	if (!a->new_val || !*a->new_val || (a->old_val && *a->old_val))
		return;
	if (lint_is_new(ctx, 't', lint_list_schema(a->type_name, a->n_type_name), lint_list_last(a->type_name, a->n_type_name)))
		return;
	/* the value as a string literal */
	buf_addc(&value, '\'');
	for (const char *p = a->new_val; *p; p++) {
		if (*p == '\'')
			buf_addc(&value, '\'');
		buf_addc(&value, *p);
	}
	buf_addc(&value, '\'');
	sub.sql = value.data;
	lint_report(ctx, self, -1, &sub,
		    old12 ? "before PostgreSQL 12 ALTER TYPE ... ADD VALUE cannot run inside a transaction block"
			  : "the new value cannot be used in the same transaction that adds it",
		    "-- in a migration of its own:\nALTER TYPE {qname} ADD VALUE IF NOT EXISTS {sql};",
		    "adding value '%s' to enum \"%s\"", a->new_val, type);
	buf_release(&value);
}

static bool const_is_zero(const PgQuery__Node *n)
{
	if (!n || n->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return false;
	if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
		return n->a_const->ival->ival == 0;
	if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL)
		return atoi(n->a_const->sval->sval) == 0 && strspn(n->a_const->sval->sval, "0") > 0;
	return false;
}

RULE_CHECK(rule_disables_timeout)
{
	const PgQuery__VariableSetStmt *v = node->variable_set_stmt;
	struct subst sub = { .name = v->name };

	if (!v->name || (strcmp(v->name, "lock_timeout") && strcmp(v->name, "statement_timeout")))
		return;
	if (v->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE || v->n_args != 1 || !const_is_zero(v->args[0]))
		return;
	lint_report(ctx, self, -1, &sub,
		    "removes pgshift's protection: a queued lock now waits forever and the app queues behind it",
		    "-- leave the defaults, or bound it:\n-- pgshift:lock-timeout 10s",
		    "SET %s = 0 disables the timeout", v->name);
}

RULE_CHECK(rule_transaction_control)
{
	static const char *const names[] = { "", "BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "SAVEPOINT",
					     "RELEASE", "ROLLBACK TO", "PREPARE TRANSACTION", "COMMIT PREPARED",
					     "ROLLBACK PREPARED" };
	unsigned k = (unsigned)node->transaction_stmt->kind;

	lint_report(ctx, self, -1, NULL,
		    "pgshift owns the migration's transaction: this would commit or abort it half-way",
		    "-- remove it; for statements that cannot run in a transaction:\n-- pgshift:no-transaction",
		    "%s inside a migration", k < sizeof(names) / sizeof(names[0]) ? names[k] : "transaction control");
}

/*
 * not-idempotent-no-tx: a statement of a no-transaction migration that does
 * something else when it runs a second time.  Each statement commits on its
 * own, and deploy resumes after the last one recorded; but `resolve
 * --rolled-back` makes the next deploy run the applied ones again, and so
 * does a kill between a statement's commit and pgshift's record of it.
 */
static const char idempotent_effect[] =
	"outside a transaction each statement commits on its own: when it runs again (deploy after \"pgshift resolve "
	"--rolled-back\", or a kill between its commit and pgshift's record of it) %s";

static void idempotent_report(struct lint_ctx *ctx, const struct rule *self, int loc, const struct subst *sub, const char *again,
			      const char *safe, const char *message)
{
	char *effect = xasprintf(idempotent_effect, again);

	lint_report(ctx, self, loc, sub, effect, safe, "%s in a no-transaction migration", message);
	free(effect);
}

struct column_refs {
	const PgQuery__UpdateStmt *u;
	bool hit;
};

/* A column the UPDATE also sets, read by one of its SET expressions or by its WHERE. */
static void find_set_column(const ProtobufCMessage *m, void *arg)
{
	const PgQuery__ColumnRef *c = (const PgQuery__ColumnRef *)m;
	struct column_refs *r = arg;
	const PgQuery__Node *last = c->n_fields ? c->fields[c->n_fields - 1] : NULL;

	if (!last || last->node_case != PG_QUERY__NODE__NODE_STRING)
		return;
	for (size_t i = 0; i < r->u->n_target_list; i++) {
		const PgQuery__Node *t = r->u->target_list[i];
		if (t->node_case == PG_QUERY__NODE__NODE_RES_TARGET && t->res_target->name &&
		    !strcmp(t->res_target->name, last->string->sval))
			r->hit = true;
	}
}

static bool reads_set_column(const PgQuery__UpdateStmt *u, const PgQuery__Node *expr)
{
	struct column_refs r = { u, false };

	script_messages(expr, &pg_query__column_ref__descriptor, find_set_column, &r);
	return r.hit;
}

/*
 * An UPDATE that computes a column from the old values it sets (n = n + 1)
 * changes the rows again when run again, unless its WHERE reads a column it
 * sets (WHERE NOT done ... SET done = true): the rows it did no longer match.
 */
static bool update_not_idempotent(const PgQuery__UpdateStmt *u)
{
	bool reads = false;

	for (size_t i = 0; i < u->n_target_list && !reads; i++)
		if (u->target_list[i]->node_case == PG_QUERY__NODE__NODE_RES_TARGET)
			reads = reads_set_column(u, u->target_list[i]->res_target->val);
	return reads && !(u->where_clause && reads_set_column(u, u->where_clause));
}

static void find_not_exists(const ProtobufCMessage *m, void *arg)
{
	const PgQuery__BoolExpr *b = (const PgQuery__BoolExpr *)m;

	if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR && b->n_args == 1 &&
	    b->args[0]->node_case == PG_QUERY__NODE__NODE_SUB_LINK &&
	    b->args[0]->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK)
		*(bool *)arg = true;
}

/* INSERT ... ON CONFLICT, or INSERT ... SELECT ... WHERE NOT EXISTS (...), inserts nothing twice. */
static bool insert_not_idempotent(const PgQuery__InsertStmt *i)
{
	const PgQuery__Node *sel = i->select_stmt;
	bool guarded = false;

	if (i->on_conflict_clause)
		return false;
	if (sel && sel->node_case == PG_QUERY__NODE__NODE_SELECT_STMT && sel->select_stmt->where_clause)
		script_messages(sel->select_stmt->where_clause, &pg_query__bool_expr__descriptor, find_not_exists, &guarded);
	return !guarded;
}

RULE_CHECK(rule_not_idempotent_no_tx)
{
	const char *what = NULL;

	if (!ctx->no_transaction)
		return;
	switch (node->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		what = node->index_stmt->if_not_exists ? NULL : "CREATE INDEX";
		break;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		what = node->create_stmt->if_not_exists ? NULL : "CREATE TABLE";
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		what = node->drop_stmt->missing_ok ? NULL : "DROP";
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		what = node->create_seq_stmt->if_not_exists ? NULL : "CREATE SEQUENCE";
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		what = node->create_schema_stmt->if_not_exists ? NULL : "CREATE SCHEMA";
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT: {
		const PgQuery__RangeVar *rv = node->insert_stmt->relation;
		struct subst sub = { .table = lint_rv_name(rv) };
		char *message;

		if (!insert_not_idempotent(node->insert_stmt))
			return;
		message = xasprintf("INSERT into \"%s\" without ON CONFLICT", lint_rv_name(rv));
		idempotent_report(ctx, self, rv->location, &sub, "it inserts the rows a second time",
				  "-- make it idempotent:\nINSERT INTO {table} ... ON CONFLICT DO NOTHING;\n"
				  "-- or: INSERT INTO {table} SELECT ... WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE ...);",
				  message);
		free(message);
		return;
	}
	case PG_QUERY__NODE__NODE_UPDATE_STMT: {
		const PgQuery__RangeVar *rv = node->update_stmt->relation;
		struct subst sub = { .table = lint_rv_name(rv) };
		char *message;

		if (!update_not_idempotent(node->update_stmt))
			return;
		message = xasprintf("UPDATE of \"%s\" computed from the values it sets", lint_rv_name(rv));
		idempotent_report(ctx, self, rv->location, &sub, "it changes the rows a second time",
				  "-- make it idempotent: skip the rows already done, e.g.\n"
				  "UPDATE {table} SET n = n + 1, migrated = true WHERE NOT migrated;",
				  message);
		free(message);
		return;
	}
	default:
		return;
	}
	if (!what)
		return;
	{
		char *message = xasprintf("%s without IF %sEXISTS", what, strcmp(what, "DROP") ? "NOT " : "");

		idempotent_report(ctx, self, -1, NULL, "it fails",
				  "-- make it idempotent: CREATE ... IF NOT EXISTS / DROP ... IF EXISTS", message);
		free(message);
	}
}

RULE_CHECK(rule_vacuum_full)
{
	const PgQuery__VacuumStmt *v = node->vacuum_stmt;

	if (!v->is_vacuumcmd || !has_option(v->options, v->n_options, "full"))
		return;
	lint_report(ctx, self, -1, NULL, "rewrites the table under ACCESS EXCLUSIVE: reads and writes wait",
		    "-- plain VACUUM (no FULL) does not block; for bloat use pg_repack in a maintenance window",
		    "VACUUM FULL rewrites the table");
}

RULE_CHECK(rule_cluster)
{
	const PgQuery__RangeVar *rv = node->cluster_stmt->relation;
	struct subst sub = { .schema = rv ? rv->schemaname : NULL, .table = rv ? rv->relname : NULL };

	lint_report(ctx, self, -1, &sub, "rewrites {table} under ACCESS EXCLUSIVE: reads and writes wait",
		    "-- do it in a maintenance window, or use pg_repack", "CLUSTER rewrites the table");
}
