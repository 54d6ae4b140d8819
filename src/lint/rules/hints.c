/*
 * Style hints on column types (off unless --hints): the choices that are
 * painful to change once a table is large.
 */
#include <string.h>

#include "lint/rule.h"

static const struct rule bigint_rule, text_rule, tstz_rule, identity_rule, char_rule;

static bool is_primary_key(const PgQuery__ColumnDef *c)
{
	for (size_t i = 0; i < c->n_constraints; i++)
		if (c->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    c->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
			return true;
	return false;
}

static void column_hints(struct lint_ctx *ctx, const PgQuery__RangeVar *rv, const PgQuery__ColumnDef *c)
{
	const char *t = c->type_name ? lint_list_last(c->type_name->names, c->type_name->n_names) : "";
	struct subst sub = { .schema = rv->schemaname, .table = rv->relname, .column = c->colname };

	if (is_primary_key(c) && (!strcmp(t, "int4") || !strcmp(t, "int2") || !strcmp(t, "serial") || !strcmp(t, "serial4")))
		lint_report(ctx, &bigint_rule, c->location, &sub, "an int key runs out at 2.1 billion rows; widening it later rewrites the table",
			    "{column} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
			    "primary key \"%s\" is a 32-bit integer", c->colname);
	if (!strcmp(t, "serial") || !strcmp(t, "bigserial") || !strcmp(t, "serial4") || !strcmp(t, "serial8"))
		lint_report(ctx, &identity_rule, c->location, &sub, "serial creates a sequence with loose ownership and grants",
			    "{column} bigint GENERATED ALWAYS AS IDENTITY", "column \"%s\" uses serial", c->colname);
	if (!strcmp(t, "varchar") && c->type_name->n_typmods)
		lint_report(ctx, &text_rule, c->location, &sub,
			    "a length limit is enforced on every write and changing it can lock the table",
			    "{column} text   -- with CHECK (length({column}) <= n) if a limit matters",
			    "column \"%s\" is varchar(n)", c->colname);
	if (!strcmp(t, "timestamp"))
		lint_report(ctx, &tstz_rule, c->location, &sub, "timestamp without time zone stores wall-clock times that shift meaning with the server's zone",
			    "{column} timestamptz", "column \"%s\" is timestamp without time zone", c->colname);
	if (!strcmp(t, "bpchar"))
		lint_report(ctx, &char_rule, c->location, &sub, "char(n) pads with spaces and is no faster than text",
			    "{column} text", "column \"%s\" is char(n)", c->colname);
}

static void check_create(struct lint_ctx *ctx, const PgQuery__Node *node)
{
	const PgQuery__CreateStmt *cs = node->create_stmt;

	for (size_t i = 0; i < cs->n_table_elts; i++)
		if (cs->table_elts[i]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_hints(ctx, cs->relation, cs->table_elts[i]->column_def);
}

static void check_add(struct lint_ctx *ctx, const PgQuery__Node *node)
{
	const PgQuery__AlterTableStmt *a = node->alter_table_stmt;

	for (size_t i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = a->cmds[i]->alter_table_cmd;
		if (a->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
		    c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_hints(ctx, a->relation, c->def->column_def);
	}
}

static const struct rule bigint_rule = { "prefer-bigint", SEV_HINT, "int/serial primary keys", PG_QUERY__NODE__NODE_CREATE_STMT,
					 check_create };
static const struct rule bigint_add_rule = { "prefer-bigint", SEV_HINT, NULL, PG_QUERY__NODE__NODE_ALTER_TABLE_STMT, check_add };
static const struct rule text_rule = { "prefer-text", SEV_HINT, "varchar(n)", PG_QUERY__NODE__NODE_CREATE_STMT, NULL };
static const struct rule tstz_rule = { "prefer-timestamptz", SEV_HINT, "timestamp without time zone",
				       PG_QUERY__NODE__NODE_CREATE_STMT, NULL };
static const struct rule identity_rule = { "prefer-identity", SEV_HINT, "serial instead of identity",
					   PG_QUERY__NODE__NODE_CREATE_STMT, NULL };
static const struct rule char_rule = { "ban-char", SEV_HINT, "char(n)", PG_QUERY__NODE__NODE_CREATE_STMT, NULL };

const struct rule *const lint_rules_hints[] = { &bigint_rule, &bigint_add_rule, &text_rule, &tstz_rule, &identity_rule,
						&char_rule, NULL };
