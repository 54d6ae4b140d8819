/*
 * Style hints on column types (off unless --hints): the choices that are
 * painful to change once a table is large.
 */
#include <string.h>

#include "lint/rule.h"

static bool is_primary_key(const PgQuery__ColumnDef *c)
{
	for (size_t i = 0; i < c->n_constraints; i++)
		if (c->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    c->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
			return true;
	return false;
}

/* A hint on one column: t is its type's name without the schema. */
typedef void (*column_fn)(struct lint_ctx *ctx, const struct rule *self, const char *t, const PgQuery__ColumnDef *c,
			  const struct subst *sub);

/* Calls fn for each column that CREATE TABLE or ALTER TABLE ... ADD COLUMN node defines; others have none. */
static void each_column(struct lint_ctx *ctx, const struct rule *self, const PgQuery__Node *node, column_fn fn)
{
	const PgQuery__RangeVar *rv;
	PgQuery__Node **elts;
	size_t n;

	if (node->node_case == PG_QUERY__NODE__NODE_CREATE_STMT) {
		rv = node->create_stmt->relation;
		elts = node->create_stmt->table_elts;
		n = node->create_stmt->n_table_elts;
	} else if (node->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT) {
		rv = node->alter_table_stmt->relation;
		elts = node->alter_table_stmt->cmds;
		n = node->alter_table_stmt->n_cmds;
	} else {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const PgQuery__Node *e = elts[i];
		const PgQuery__ColumnDef *c;
		struct subst sub;

		if (e->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
		    e->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && e->alter_table_cmd->def)
			e = e->alter_table_cmd->def;
		if (e->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
			continue;
		c = e->column_def;
		sub = (struct subst){ .schema = rv->schemaname, .table = rv->relname, .column = c->colname };
		fn(ctx, self, c->type_name ? lint_list_last(c->type_name->names, c->type_name->n_names) : "", c, &sub);
	}
}

static void prefer_bigint(struct lint_ctx *ctx, const struct rule *self, const char *t, const PgQuery__ColumnDef *c,
			  const struct subst *sub)
{
	if (is_primary_key(c) && (!strcmp(t, "int4") || !strcmp(t, "int2") || !strcmp(t, "serial") || !strcmp(t, "serial4")))
		lint_report(ctx, self, c->location, sub, "an int key runs out at 2.1 billion rows; widening it later rewrites the table",
			    "{column} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
			    "primary key \"%s\" is a 32-bit integer", c->colname);
}

RULE_CHECK(rule_prefer_bigint)
{
	each_column(ctx, self, node, prefer_bigint);
}

static void prefer_identity(struct lint_ctx *ctx, const struct rule *self, const char *t, const PgQuery__ColumnDef *c,
			    const struct subst *sub)
{
	if (!strcmp(t, "serial") || !strcmp(t, "bigserial") || !strcmp(t, "serial4") || !strcmp(t, "serial8"))
		lint_report(ctx, self, c->location, sub, "serial creates a sequence with loose ownership and grants",
			    "{column} bigint GENERATED ALWAYS AS IDENTITY", "column \"%s\" uses serial", c->colname);
}

RULE_CHECK(rule_prefer_identity)
{
	each_column(ctx, self, node, prefer_identity);
}

static void prefer_text(struct lint_ctx *ctx, const struct rule *self, const char *t, const PgQuery__ColumnDef *c,
			const struct subst *sub)
{
	if (!strcmp(t, "varchar") && c->type_name->n_typmods)
		lint_report(ctx, self, c->location, sub,
			    "a length limit is enforced on every write and changing it can lock the table",
			    "{column} text   -- with CHECK (length({column}) <= n) if a limit matters",
			    "column \"%s\" is varchar(n)", c->colname);
}

RULE_CHECK(rule_prefer_text)
{
	each_column(ctx, self, node, prefer_text);
}

static void prefer_timestamptz(struct lint_ctx *ctx, const struct rule *self, const char *t,
			       const PgQuery__ColumnDef *c, const struct subst *sub)
{
	if (!strcmp(t, "timestamp"))
		lint_report(ctx, self, c->location, sub, "timestamp without time zone stores wall-clock times that shift meaning with the server's zone",
			    "{column} timestamptz", "column \"%s\" is timestamp without time zone", c->colname);
}

RULE_CHECK(rule_prefer_timestamptz)
{
	each_column(ctx, self, node, prefer_timestamptz);
}

static void ban_char(struct lint_ctx *ctx, const struct rule *self, const char *t, const PgQuery__ColumnDef *c,
		     const struct subst *sub)
{
	if (!strcmp(t, "bpchar"))
		lint_report(ctx, self, c->location, sub, "char(n) pads with spaces and is no faster than text",
			    "{column} text", "column \"%s\" is char(n)", c->colname);
}

RULE_CHECK(rule_ban_char)
{
	each_column(ctx, self, node, ban_char);
}
