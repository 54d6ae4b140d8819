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

static const struct rule drop_table_rule, drop_schema_rule, drop_object_rule, drop_index_rule, redefine_rule;

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

static void check_drop(struct lint_ctx *ctx, const PgQuery__Node *node)
{
	const PgQuery__DropStmt *d = node->drop_stmt;

	for (size_t i = 0; i < d->n_objects; i++) {
		const char *last, *schema;
		const char *name = object_name(d->objects[i], &last, &schema);
		struct subst sub = { .schema = schema, .table = last, .name = last };

		switch (d->remove_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
			if (lint_is_new(ctx, 'r', schema, last))
				break;
			lint_report_on(ctx, &drop_table_rule, &(struct lint_object){ 'r', schema, last, NULL, "table" }, -1, &sub,
				    "ACCESS EXCLUSIVE lock; every row of {table} is gone, and running code that reads it fails",
				    "-- 1. ship app code that no longer reads or writes {table}\n"
				    "-- 2. keep a copy: CREATE TABLE {table+_archive} AS TABLE {table};\n"
				    "-- 3. in a later, approved migration:\nDROP TABLE {table};",
				    "dropping table \"%s\" deletes its data", name);
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
			if (lint_is_new(ctx, 's', NULL, last))
				break;
			lint_report_on(ctx, &drop_schema_rule, &(struct lint_object){ 's', NULL, last, NULL, "schema" }, -1, &sub,
				    "every object in schema {name} and its data are gone",
				    "-- only with an approval: --approve MIGRATION, or\n"
				    "-- pgshift:allow drop-schema because: REASON",
				    "dropping schema \"%s\" deletes everything in it", name);
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
			if (lint_is_new(ctx, 'i', schema, last))
				break;
			lint_report_on(ctx, &drop_index_rule, &(struct lint_object){ 'i', schema, last, NULL, "index" }, -1, &sub,
				    d->concurrent ? "queries that used index {qname} get slower plans"
						  : "ACCESS EXCLUSIVE lock on the table while the index is dropped; queries that "
						    "used {qname} get slower plans",
				    "-- in a migration of its own (pgshift runs it outside a transaction):\n"
				    "DROP INDEX CONCURRENTLY IF EXISTS {qname};",
				    "dropping index \"%s\"%s", name, d->concurrent ? "" : " without CONCURRENTLY");
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
		case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: {
			char kind = d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION ||
						    d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE
					    ? 'f'
				    : d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE ||
						    d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN
					    ? 't'
					    : 'r';
			const PgQuery__ObjectWithArgs *f = d->objects[i]->node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS
								   ? d->objects[i]->object_with_args
								   : NULL;
			struct lint_object o = { kind, schema, last, f, what(d->remove_type) };

			if (f ? lint_function_is_new(ctx, f) : lint_is_new(ctx, kind, schema, last))
				break;
			/* dropped and created again in this migration: only its grants and comment are at stake */
			if (f && d->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE &&
			    lint_function_redefined(ctx, f, d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE) &&
			    !lint_absent(ctx, &o)) {
				lint_report(ctx, &redefine_rule, -1, &sub,
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
					    "%s \"%s\" is dropped and created again in this migration", what(d->remove_type), name);
				break;
			}
			lint_report_on(ctx, &drop_object_rule, &o, -1, &sub,
				    "running code and other objects that use {qname} fail",
				    "-- 1. ship app code that no longer uses {qname}\n-- 2. then, in a later, approved migration, drop it",
				    "dropping \"%s\" breaks whatever still uses it", name);
			break;
		}
		default:
			break;
		}
	}
}

static const struct rule dropdb_rule;

static void check_dropdb(struct lint_ctx *ctx, const PgQuery__Node *node)
{
	struct subst sub = { .name = node->dropdb_stmt->dbname };

	lint_report(ctx, &dropdb_rule, -1, &sub, "the whole database {name} and its data are gone",
		    "-- only with an approval: --approve MIGRATION", "dropping database \"%s\"", node->dropdb_stmt->dbname);
}

static const struct rule truncate_rule;

static void check_truncate(struct lint_ctx *ctx, const PgQuery__Node *node)
{
	const PgQuery__TruncateStmt *t = node->truncate_stmt;

	for (size_t i = 0; i < t->n_relations; i++) {
		const PgQuery__RangeVar *rv = t->relations[i]->range_var;
		struct subst sub = { .schema = rv->schemaname, .table = rv->relname };

		if (lint_rangevar_is_new(ctx, rv))
			continue;
		lint_report_on(ctx, &truncate_rule, &(struct lint_object){ 'r', rv->schemaname, rv->relname, NULL, "table" },
			       rv->location, &sub,
			    "ACCESS EXCLUSIVE lock; every row of {table} is deleted",
			    "-- only with an approval; to empty a large table in steps use pgshift backfill-style batches:\n"
			    "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} LIMIT 10000);",
			    "TRUNCATE \"%s\" deletes all of its rows", lint_rv_name(rv));
	}
}

static const struct rule drop_table_rule = { "drop-table", SEV_REVIEW, "DROP TABLE of an existing table",
					     PG_QUERY__NODE__NODE_DROP_STMT, check_drop };
static const struct rule drop_schema_rule = { "drop-schema", SEV_REVIEW, "DROP SCHEMA",
					      PG_QUERY__NODE__NODE_DROP_STMT, NULL };
static const struct rule drop_object_rule = { "drop-object", SEV_REVIEW,
					      "DROP VIEW / MATERIALIZED VIEW / FUNCTION / TYPE / SEQUENCE that exists",
					      PG_QUERY__NODE__NODE_DROP_STMT, NULL };
static const struct rule drop_index_rule = { "drop-index", SEV_REVIEW, "DROP INDEX of an existing index",
					     PG_QUERY__NODE__NODE_DROP_STMT, NULL };
static const struct rule redefine_rule = { "redefine-function", SEV_WARNING,
					   "DROP FUNCTION, then CREATE FUNCTION with the same arguments in the same migration",
					   PG_QUERY__NODE__NODE_DROP_STMT, NULL };
static const struct rule truncate_rule = { "truncate", SEV_REVIEW, "TRUNCATE", PG_QUERY__NODE__NODE_TRUNCATE_STMT,
					   check_truncate };
static const struct rule dropdb_rule = { "drop-database", SEV_REVIEW, "DROP DATABASE",
					 PG_QUERY__NODE__NODE_DROPDB_STMT, check_dropdb };

const struct rule *const lint_rules_drop[] = { &drop_table_rule, &drop_schema_rule, &drop_object_rule,
					       &drop_index_rule, &redefine_rule, &truncate_rule, &dropdb_rule, NULL };
