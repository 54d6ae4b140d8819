/*
 * Rules on DROP and TRUNCATE: data loss and readers that break.
 */
#include <string.h>

#include "lint/rule.h"

/*
 * The name of the i-th object of a DROP: a list of Strings (table, view) or
 * a TypeName / ObjectWithArgs; *last and *schema get its parts (*schema
 * NULL when unqualified).
 */
static const char *object_name(const PgQuery__Node *o, const char **last, const char **schema)
{
	PgQuery__Node **items;
	size_t n;

	switch (o->node_case) {
	case PG_QUERY__NODE__NODE_LIST:
		items = o->list->items;
		n = o->list->n_items;
		break;
	case PG_QUERY__NODE__NODE_TYPE_NAME:
		items = o->type_name->names;
		n = o->type_name->n_names;
		break;
	case PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS:
		items = o->object_with_args->objname;
		n = o->object_with_args->n_objname;
		break;
	case PG_QUERY__NODE__NODE_STRING:
		*last = o->string->sval;
		*schema = NULL;
		return o->string->sval;
	default:
		*last = "";
		*schema = NULL;
		return "?";
	}
	*last = lint_list_last(items, n);
	*schema = lint_list_schema(items, n);
	return lint_list_name(items, n);
}

/* The word for what a DROP of type t drops, for messages. */
static const char *what(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return "view";
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return "materialized view";
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return "sequence";
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION: return "function";
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE: return "procedure";
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: return "domain";
	default: return "type";
	}
}

/* The kind (as lint_is_new) of what a DROP of view, sequence, function, type... drops; 0 for other DROPs. */
static char object_kind(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		return 'r';
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
		return 'f';
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
		return 't';
	default:
		return 0;
	}
}

/* One object of a DROP, with its names. */
struct dropped {
	const char *name;	/* as written, dotted */
	const char *last, *schema;
	struct subst sub;
	struct lint_object o;
};

/* The i-th object of DROP d that an earlier statement of the batch did not create; false if it did. */
static bool dropped_existing(const struct lint_ctx *ctx, const PgQuery__DropStmt *d, size_t i, char kind,
			     struct dropped *x)
{
	const PgQuery__Node *n = d->objects[i];
	const PgQuery__ObjectWithArgs *f = n->node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS ? n->object_with_args
												 : NULL;

	x->name = object_name(n, &x->last, &x->schema);
	x->sub = (struct subst){ .schema = x->schema, .table = x->last, .name = x->last };
	x->o = (struct lint_object){ kind, kind == 's' ? NULL : x->schema, x->last, kind == 'f' ? f : NULL,
				     kind == 'r' && d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ? "table"
				     : kind == 's'							  ? "schema"
				     : kind == 'i'							  ? "index"
													  : what(d->remove_type) };
	return x->o.function ? !lint_function_is_new(ctx, x->o.function) : !lint_is_new(ctx, kind, x->o.schema, x->last);
}

RULE_CHECK(rule_drop_table)
{
	const PgQuery__DropStmt *d = node->drop_stmt;
	struct dropped x;

	for (size_t i = 0; d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && i < d->n_objects; i++)
		if (!dropped_existing(ctx, d, i, 'r', &x))
			continue;
		else if (lint_empty_table(ctx, &x.o))
			lint_report(ctx, &(struct rule){ .id = self->id, .sev = SEV_INFO }, -1, &x.sub,
				    "no data can be lost: the table held no rows when the gate looked; running code that "
				    "reads {table} fails once it is gone",
				    "", "table \"%s\" is empty in the target database: nothing to lose", x.name);
		else
			lint_report_on(ctx, self, &x.o, -1, &x.sub,
				       "ACCESS EXCLUSIVE lock; every row of {table} is gone, and running code that reads it fails",
				       "-- 1. ship app code that no longer reads or writes {table}\n"
				       "-- 2. keep a copy: CREATE TABLE {table+_archive} AS TABLE {table};\n"
				       "-- 3. in a later, approved migration:\nDROP TABLE {table};",
				       "dropping table \"%s\" deletes its data", x.name);
}

RULE_CHECK(rule_drop_schema)
{
	const PgQuery__DropStmt *d = node->drop_stmt;
	struct dropped x;

	for (size_t i = 0; d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA && i < d->n_objects; i++)
		if (dropped_existing(ctx, d, i, 's', &x))
			lint_report_on(ctx, self, &x.o, -1, &x.sub, "every object in schema {name} and its data are gone",
				       "-- only with an approval: --approve MIGRATION, or\n"
				       "-- pgshift:allow drop-schema because: REASON",
				       "dropping schema \"%s\" deletes everything in it", x.name);
}

RULE_CHECK(rule_drop_index)
{
	const PgQuery__DropStmt *d = node->drop_stmt;
	struct dropped x;

	for (size_t i = 0; d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX && i < d->n_objects; i++)
		if (dropped_existing(ctx, d, i, 'i', &x))
			lint_report_on(ctx, self, &x.o, -1, &x.sub,
				       d->concurrent ? "queries that used index {qname} get slower plans"
						     : "ACCESS EXCLUSIVE lock on the table while the index is dropped; queries "
						       "that used {qname} get slower plans",
				       "-- in a migration of its own (pgshift runs it outside a transaction):\n"
				       "DROP INDEX CONCURRENTLY IF EXISTS {qname};",
				       "dropping index \"%s\"%s", x.name, d->concurrent ? "" : " without CONCURRENTLY");
}

/*
 * A function or procedure dropped and created again in this migration (not
 * CASCADE, and it exists): only its grants and comment are at stake, which
 * redefine-function tells instead of drop-object.
 */
static bool redefined(const struct lint_ctx *ctx, const PgQuery__DropStmt *d, const struct dropped *x)
{
	return x->o.function && d->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE &&
	       lint_function_redefined(ctx, x->o.function, d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE) &&
	       !lint_absent(ctx, &x->o);
}

RULE_CHECK(rule_drop_object)
{
	const PgQuery__DropStmt *d = node->drop_stmt;
	char kind = object_kind(d->remove_type);
	struct dropped x;

	for (size_t i = 0; kind && i < d->n_objects; i++)
		if (dropped_existing(ctx, d, i, kind, &x) && !redefined(ctx, d, &x))
			lint_report_on(ctx, self, &x.o, -1, &x.sub, "running code and other objects that use {qname} fail",
				       "-- 1. ship app code that no longer uses {qname}\n-- 2. then, in a later, approved "
				       "migration, drop it",
				       "dropping \"%s\" breaks whatever still uses it", x.name);
}

RULE_CHECK(rule_redefine_function)
{
	const PgQuery__DropStmt *d = node->drop_stmt;
	struct dropped x;

	for (size_t i = 0; object_kind(d->remove_type) == 'f' && i < d->n_objects; i++)
		if (dropped_existing(ctx, d, i, 'f', &x) && redefined(ctx, d, &x))
			lint_report(ctx, self, -1, &x.sub,
				    ctx->no_transaction
					    ? "{qname} is re-created without the privileges (GRANT EXECUTE) and comment "
					      "of the old one; outside a transaction, calls between the DROP and the "
					      "CREATE fail"
					    : "{qname} is re-created without the privileges (GRANT EXECUTE) and comment "
					      "of the old one; inside the migration's transaction no caller sees it missing",
				    "-- when the return type and parameter names stay the same, keep only the CREATE OR "
				    "REPLACE:\n-- it replaces {qname} in place, with its privileges and what depends on it\n"
				    "-- else re-grant after the CREATE what the old one had:\n"
				    "GRANT EXECUTE ON ROUTINE {qname} TO app_role;",
				    "%s \"%s\" is dropped and created again in this migration", what(d->remove_type), x.name);
}

RULE_CHECK(rule_drop_database)
{
	struct subst sub = { .name = node->dropdb_stmt->dbname };

	lint_report(ctx, self, -1, &sub, "the whole database {name} and its data are gone",
		    "-- only with an approval: --approve MIGRATION", "dropping database \"%s\"", node->dropdb_stmt->dbname);
}

RULE_CHECK(rule_truncate)
{
	const PgQuery__TruncateStmt *t = node->truncate_stmt;

	for (size_t i = 0; i < t->n_relations; i++) {
		const PgQuery__RangeVar *rv = t->relations[i]->range_var;
		struct subst sub = { .schema = rv->schemaname, .table = rv->relname };

		if (lint_rangevar_is_new(ctx, rv))
			continue;
		lint_report_on(ctx, self, &(struct lint_object){ 'r', rv->schemaname, rv->relname, NULL, "table" },
			       rv->location, &sub,
			    "ACCESS EXCLUSIVE lock; every row of {table} is deleted",
			    "-- only with an approval; to empty a large table in steps use pgshift backfill-style batches:\n"
			    "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} LIMIT 10000);",
			    "TRUNCATE \"%s\" deletes all of its rows", lint_rv_name(rv));
	}
}
