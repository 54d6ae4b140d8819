/*
 * multiple-tables-locked: one transactional migration that locks two or
 * more existing tables ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE).  The
 * first lock is held until COMMIT while the migration waits for the next,
 * so the application queues on both; and an application transaction that
 * touches both tables (typically through a foreign key between them) can
 * wait for the migration while the migration waits for it: a deadlock that
 * PostgreSQL resolves by cancelling one of them, often the application.
 * A single statement that locks two tables (adding a foreign key) is not
 * flagged: it has no safer split.
 */
#include <stdlib.h>
#include <string.h>

#include "lint/rule.h"

struct tables {
	const struct lint_ctx *ctx;
	struct locked_table *t;
	size_t n;
};

static struct locked_table *find(struct locked_table *t, size_t n, const char *schema, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].schema, schema) && !strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* Adds a table (each once; ACCESS EXCLUSIVE wins over SHARE ROW EXCLUSIVE); t has room. */
static void add(struct locked_table *t, size_t *n, const char *schema, const char *name, const char *mode)
{
	struct locked_table *x = find(t, *n, schema, name);

	if (x) {
		if (!strcmp(mode, "ACCESS EXCLUSIVE"))
			x->mode = mode;
		return;
	}
	t[*n] = (struct locked_table){ xstrdup(schema), xstrdup(name), mode };
	(*n)++;
}

static void collect(const char *schema, const char *name, const char *mode, void *arg)
{
	struct tables *w = arg;
	const char *in;

	if (lint_is_new(w->ctx, 'r', schema, name))
		return;
	in = lint_relation_schema(w->ctx, schema, name);
	w->t = xrealloc(w->t, (w->n + 1) * sizeof(*w->t));
	add(w->t, &w->n, in ? in : "", name, mode);
}

/* The table as SQL names it (quoted where needed), its schema left out when it is public. */
static void add_name(struct buf *b, const struct locked_table *t)
{
	lint_quote_qualified(b, *t->schema && strcmp(t->schema, "public") ? t->schema : NULL, t->name);
}

static bool same(const struct locked_table *t, const PgQuery__RangeVar *rv, const struct lint_ctx *ctx)
{
	const char *in = lint_relation_schema(ctx, rv->schemaname, rv->relname);

	return rv->relname && !strcmp(t->name, rv->relname) && !strcmp(t->schema, in ? in : "");
}

/* A foreign key of this migration between two of the tables: "name (a references b)", new string, or NULL. */
static char *fk_in_file(const struct lint_ctx *ctx, const struct locked_table *t, size_t n)
{
	for (size_t s = 0; s < ctx->script->n; s++) {
		const PgQuery__Node *node = ctx->script->stmts[s].node;
		const PgQuery__AlterTableStmt *a;

		if (!node || node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
			continue;
		a = node->alter_table_stmt;
		for (size_t c = 0; a->relation && c < a->n_cmds; c++) {
			const PgQuery__Node *def = a->cmds[c]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD
							   ? a->cmds[c]->alter_table_cmd->def : NULL;
			const PgQuery__Constraint *k = def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT
							       ? def->constraint : NULL;

			if (!k || k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN || !k->pktable)
				continue;
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					if (i != j && same(&t[i], a->relation, ctx) && same(&t[j], k->pktable, ctx))
						return xasprintf("%s (%s references %s, added in this migration)",
								 k->conname && *k->conname ? k->conname : "unnamed",
								 t[i].name, t[j].name);
		}
	}
	return NULL;
}

/* The same, from the database when lint is connected (deploy's gate). */
static char *fk_in_db(const struct lint_ctx *ctx, const struct locked_table *t, size_t n)
{
	const struct lint_opts *o = &ctx->run->opts;

	for (size_t i = 0; o->foreign_key && i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			char *fk = o->foreign_key(o->lookup_ctx, *t[i].schema ? t[i].schema : NULL, t[i].name,
						  *t[j].schema ? t[j].schema : NULL, t[j].name);
			if (fk)
				return fk;
		}
	return NULL;
}

static void report(struct lint_ctx *ctx, const struct rule *self)
{
	struct buf names = BUF_INIT, effect = BUF_INIT, safe = BUF_INIT;
	char *fk = fk_in_file(ctx, ctx->locked, ctx->nlocked);

	if (!fk)
		fk = fk_in_db(ctx, ctx->locked, ctx->nlocked);
	buf_adds(&safe, "-- one table per migration (pgshift new NAME for each): pgshift applies them one after the "
			"other, each in its own short transaction\n");
	for (size_t i = 0; i < ctx->nlocked; i++) {
		buf_adds(&names, i ? (i + 1 == ctx->nlocked ? " and " : ", ") : "");
		add_name(&names, &ctx->locked[i]);
		buf_addf(&names, " (%s)", ctx->locked[i].mode);
		buf_addf(&safe, "-- migration %zu: only the statements on ", i + 1);
		add_name(&safe, &ctx->locked[i]);
		buf_adds(&safe, i + 1 < ctx->nlocked ? "\n" : "");
	}
	buf_adds(&effect, "each lock is held until COMMIT while the migration waits for the next one: the application "
			  "queues on every table already locked");
	if (fk)
		buf_addf(&effect, "; foreign key %s links them, so an application transaction that writes both can wait "
				  "for the migration while the migration waits for it: PostgreSQL cancels one of them "
				  "(deadlock detected)", fk);
	lint_report(ctx, self, -1, NULL, effect.data, safe.data,
		    "one transaction locks %zu existing tables: %s%s%s", ctx->nlocked, names.data,
		    fk ? "; linked by foreign key " : "", fk ? fk : "");
	free(fk);
	buf_release(&names);
	buf_release(&effect);
	buf_release(&safe);
}

RULE_CHECK(rule_multiple_tables_locked)
{
	struct tables now = { ctx, NULL, 0 };
	bool other = false;

	if (ctx->no_transaction)
		return;
	lint_strong_locks(node, collect, &now);
	/* an earlier statement locked a table and this one locks a different one */
	for (size_t i = 0; i < now.n && !other; i++)
		for (size_t j = 0; j < ctx->nlocked && !other; j++)
			other = !find(&ctx->locked[j], 1, now.t[i].schema, now.t[i].name);
	if (now.n) {
		ctx->locked = xrealloc(ctx->locked, (ctx->nlocked + now.n) * sizeof(*ctx->locked));
		for (size_t i = 0; i < now.n; i++)
			add(ctx->locked, &ctx->nlocked, now.t[i].schema, now.t[i].name, now.t[i].mode);
	}
	if (other && !ctx->locked_reported) {
		ctx->locked_reported = true;
		report(ctx, self);
	}
	for (size_t i = 0; i < now.n; i++) {
		free(now.t[i].schema);
		free(now.t[i].name);
	}
	free(now.t);
}
