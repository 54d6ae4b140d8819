/*
 * Rules on ALTER TABLE: each action of a (possibly multi-action) ALTER is
 * checked on its own; a table created earlier in the batch is new and
 * exempt from all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/rule.h"

static bool has_constraint(const PgQuery__ColumnDef *c, PgQuery__ConstrType t, const PgQuery__Constraint **out)
{
	for (size_t i = 0; i < c->n_constraints; i++) {
		const PgQuery__Node *n = c->constraints[i];
		if (n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && n->constraint->contype == t) {
			if (out)
				*out = n->constraint;
			return true;
		}
	}
	return false;
}

/* Functions whose value changes per row: a default calling one rewrites the table. */
static const char *volatile_call(const PgQuery__Node *e)
{
	static const char *const fns[] = { "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4",
					   "clock_timestamp", "timeofday", "nextval", "statement_timestamp_volatile",
					   NULL };

	if (!e)
		return NULL;
	if (e->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		return volatile_call(e->type_cast->arg);
	if (e->node_case != PG_QUERY__NODE__NODE_FUNC_CALL)
		return NULL;
	{
		const char *name = lint_list_last(e->func_call->funcname, e->func_call->n_funcname);
		for (int i = 0; fns[i]; i++)
			if (!strcmp(name, fns[i]))
				return fns[i];
	}
	return NULL;
}

static const char *type_last(const PgQuery__TypeName *t)
{
	return t ? lint_list_last(t->names, t->n_names) : "";
}

static int typmod(const PgQuery__TypeName *t, size_t i)
{
	if (!t || i >= t->n_typmods)
		return -1;
	{
		const PgQuery__Node *m = t->typmods[i];
		if (m->node_case == PG_QUERY__NODE__NODE_A_CONST && m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
			return m->a_const->ival->ival;
	}
	return -1;
}

/*
 * True when changing a column from old (as format_type prints it, e.g.
 * "character varying(50)", "numeric(10,2)") to the new type only touches
 * the catalogue: varchar(n) to a larger n, to varchar or to text;
 * numeric(p,s) to a larger p with the same s.
 */
static bool metadata_only_change(const char *old, const PgQuery__TypeName *nt)
{
	const char *to = type_last(nt);
	int n1 = -1, p1 = -1, s1 = -1;

	if (!old)
		return false;
	if (sscanf(old, "character varying(%d)", &n1) == 1 || !strcmp(old, "character varying")) {
		if (!strcmp(to, "text"))
			return true;
		if (!strcmp(to, "varchar"))
			return typmod(nt, 0) < 0 || (n1 >= 0 && typmod(nt, 0) >= n1);
		return false;
	}
	if (!strcmp(old, "text"))
		return !strcmp(to, "text") || (!strcmp(to, "varchar") && typmod(nt, 0) < 0);
	if (sscanf(old, "numeric(%d,%d)", &p1, &s1) == 2 && !strcmp(to, "numeric"))
		return typmod(nt, 0) >= p1 && (typmod(nt, 1) < 0 ? 0 : typmod(nt, 1)) == s1;
	return false;
}

/*
 * ALTER TABLE a (its table, its IF EXISTS) with cmd as its one action,
 * deparsed (new string or NULL); name: see lint_deparse_named, or NULL.
 */
static char *alter_one(const PgQuery__AlterTableStmt *a, PgQuery__AlterTableCmd *cmd, const char *name)
{
	PgQuery__Node cn = PG_QUERY__NODE__INIT, sn = PG_QUERY__NODE__INIT;
	PgQuery__Node *cmds[1] = { &cn };
	PgQuery__AlterTableStmt copy = *a;

	if (cmd->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_BEHAVIOR_UNDEFINED)
		cmd->behavior = PG_QUERY__DROP_BEHAVIOR__DROP_RESTRICT;
	cn.node_case = PG_QUERY__NODE__NODE_ALTER_TABLE_CMD;
	cn.alter_table_cmd = cmd;
	copy.n_cmds = 1;
	copy.cmds = cmds;
	sn.node_case = PG_QUERY__NODE__NODE_ALTER_TABLE_STMT;
	sn.alter_table_stmt = &copy;
	return name ? lint_deparse_named(&sn, name) : lint_deparse(&sn);
}

/*
 * The ADD COLUMN action cmd of a, named name (NULL: as it is), without its
 * constraints of type drop, deparsed (new string or NULL).
 */
static char *add_column_without(const PgQuery__AlterTableStmt *a, const PgQuery__AlterTableCmd *cmd, const char *name,
				PgQuery__ConstrType drop)
{
	const PgQuery__ColumnDef *c = cmd->def->column_def;
	PgQuery__ColumnDef cd = *c;
	PgQuery__Node def = PG_QUERY__NODE__INIT;
	PgQuery__AlterTableCmd copy = *cmd;
	PgQuery__Node **keep = xcalloc(c->n_constraints + 1, sizeof(*keep));
	char *sql;

	cd.n_constraints = 0;
	for (size_t i = 0; i < c->n_constraints; i++)
		if (c->constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT ||
		    c->constraints[i]->constraint->contype != drop)
			keep[cd.n_constraints++] = c->constraints[i];
	cd.constraints = keep;
	if (name)
		cd.colname = (char *)name;
	def.node_case = PG_QUERY__NODE__NODE_COLUMN_DEF;
	def.column_def = &cd;
	copy.def = &def;
	sql = alter_one(a, &copy, NULL);
	free(keep);
	return sql;
}

/*
 * ALTER TABLE a ADD CONSTRAINT name k NOT VALID, deparsed (new string or
 * NULL); column: the column a column constraint (REFERENCES) stands on.
 */
static char *add_not_valid(const PgQuery__AlterTableStmt *a, const PgQuery__Constraint *k, const char *name,
			   const char *column)
{
	PgQuery__Constraint kc = *k;
	PgQuery__String col = PG_QUERY__STRING__INIT;
	PgQuery__Node coln = PG_QUERY__NODE__INIT, def = PG_QUERY__NODE__INIT;
	PgQuery__Node *attrs[1] = { &coln };
	PgQuery__AlterTableCmd cmd = PG_QUERY__ALTER_TABLE_CMD__INIT;

	kc.conname = (char *)LINT_NAME_MARK;
	kc.skip_validation = true;
	kc.initially_valid = false;
	if (column && !kc.n_fk_attrs) {
		col.sval = (char *)column;
		coln.node_case = PG_QUERY__NODE__NODE_STRING;
		coln.string = &col;
		kc.fk_attrs = attrs;
		kc.n_fk_attrs = 1;
	}
	def.node_case = PG_QUERY__NODE__NODE_CONSTRAINT;
	def.constraint = &kc;
	cmd.subtype = PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint;
	cmd.def = &def;
	return alter_one(a, &cmd, name);
}

/* ALTER TABLE a ALTER COLUMN column SET DEFAULT expr, deparsed (new string or NULL). */
static char *set_default(const PgQuery__AlterTableStmt *a, const char *column, PgQuery__Node *expr)
{
	PgQuery__AlterTableCmd cmd = PG_QUERY__ALTER_TABLE_CMD__INIT;

	cmd.subtype = PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault;
	cmd.name = (char *)column;
	cmd.def = expr;
	return alter_one(a, &cmd, NULL);
}

/* ALTER TABLE a ADD COLUMN column_new type, deparsed (new string or NULL). */
static char *add_typed_column(const PgQuery__AlterTableStmt *a, const char *column, PgQuery__TypeName *type)
{
	PgQuery__ColumnDef cd = PG_QUERY__COLUMN_DEF__INIT;
	PgQuery__Node def = PG_QUERY__NODE__INIT;
	PgQuery__AlterTableCmd cmd = PG_QUERY__ALTER_TABLE_CMD__INIT;
	char *name = xasprintf("%s_new", column);
	char *sql;

	cd.colname = name;
	cd.type_name = type;
	cd.is_local = true;
	def.node_case = PG_QUERY__NODE__NODE_COLUMN_DEF;
	def.column_def = &cd;
	cmd.subtype = PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn;
	cmd.def = &def;
	sql = alter_one(a, &cmd, NULL);
	free(name);
	return sql;
}

/* The SQL for {sql}: deparsed, else a placeholder that says so. */
static const char *or_placeholder(const char *sql)
{
	return sql ? sql : "-- (pgshift could not write this statement)";
}

/*
 * Calls fn for each action of ALTER TABLE node, unless the table was
 * created earlier in the batch (a new table is exempt from every rule here).
 */
typedef void (*action_fn)(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
			  const PgQuery__AlterTableCmd *c);
static void each_action(struct lint_ctx *ctx, const struct rule *self, const PgQuery__Node *node, action_fn fn)
{
	const PgQuery__AlterTableStmt *a = node->alter_table_stmt;

	if (a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || lint_rangevar_is_new(ctx, a->relation))
		return;
	for (size_t i = 0; i < a->n_cmds; i++)
		if (a->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			fn(ctx, self, a, a->cmds[i]->alter_table_cmd);
}

/* The column an ADD COLUMN action adds, or NULL for other actions. */
static const PgQuery__ColumnDef *added_column(const PgQuery__AlterTableCmd *c)
{
	return c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
			       c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF
		       ? c->def->column_def
		       : NULL;
}

/* The constraint an ADD CONSTRAINT action adds, or NULL for other actions. */
static const PgQuery__Constraint *added_constraint(const PgQuery__AlterTableCmd *c)
{
	return c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint && c->def &&
			       c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT
		       ? c->def->constraint
		       : NULL;
}

static bool is_serial(const PgQuery__ColumnDef *c)
{
	static const char *const serials[] = { "serial", "bigserial", "smallserial", "serial4", "serial8", "serial2",
					       NULL };
	const char *tname = type_last(c->type_name);

	for (int i = 0; serials[i]; i++)
		if (!strcmp(tname, serials[i]))
			return true;
	return false;
}

static struct subst column_subst(const PgQuery__AlterTableStmt *a, const char *column)
{
	return (struct subst){ .schema = a->relation->schemaname, .table = a->relation->relname, .column = column };
}

/* The table of rv, as lint_report_on names it. */
#define TABLE_OBJECT(rv) (&(struct lint_object){ 'r', (rv)->schemaname, (rv)->relname, NULL, "table" })

static void drop_column(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
			const PgQuery__AlterTableCmd *c)
{
	const PgQuery__RangeVar *rv = a->relation;
	struct subst sub = column_subst(a, c->name);

	if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn)
		return;
	lint_report_on(ctx, self, TABLE_OBJECT(rv), rv->location, &sub,
		       "the column's data is gone; running code that selects or inserts {column} fails "
		       "(ACCESS EXCLUSIVE lock, brief)",
		       "-- expand/contract:\n"
		       "-- 1. ship app code that no longer reads or writes {table}.{column}\n"
		       "-- 2. then, in a later, approved migration:\n"
		       "ALTER TABLE {table} DROP COLUMN {column};",
		       "dropping column \"%s\" of \"%s\" deletes its data", c->name, lint_rv_name(rv));
}

RULE_CHECK(rule_drop_column)
{
	each_action(ctx, self, node, drop_column);
}

static void alter_column_type(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
			      const PgQuery__AlterTableCmd *c)
{
	const PgQuery__RangeVar *rv = a->relation;
	struct subst sub = column_subst(a, c->name);
	const PgQuery__ColumnDef *def;
	char *old, *new_column;
	bool cheap;

	if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType)
		return;
	def = c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF ? c->def->column_def : NULL;
	old = ctx->run->opts.column_type
		      ? ctx->run->opts.column_type(ctx->run->opts.lookup_ctx, rv->schemaname, rv->relname, c->name)
		      : NULL;
	cheap = def && metadata_only_change(old, def->type_name);
	free(old);
	if (cheap)
		return;
	new_column = def ? add_typed_column(a, c->name, def->type_name) : NULL;
	sub.sql = or_placeholder(new_column);
	lint_report_on(ctx, self, TABLE_OBJECT(rv), rv->location, &sub,
		       "rewrites {table} and its indexes under ACCESS EXCLUSIVE; the running app sees the new type",
		       "-- new column + backfill + switch:\n"
		       "{sql};\n"
		       "-- backfill in batches, write both from the app, switch reads, then drop {column}",
		       "changing the type of column \"%s\" of \"%s\"", c->name, lint_rv_name(rv));
	free(new_column);
}

RULE_CHECK(rule_alter_column_type)
{
	each_action(ctx, self, node, alter_column_type);
}

static void set_not_null(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
			 const PgQuery__AlterTableCmd *c)
{
	const PgQuery__RangeVar *rv = a->relation;
	struct subst sub = column_subst(a, c->name);

	if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull || lint_not_null_proved(ctx, rv, c->name))
		return;
	lint_report(ctx, self, rv->location, &sub, "ACCESS EXCLUSIVE lock on {table} while every row is scanned",
		    "-- three migrations: in one transaction the ACCESS EXCLUSIVE lock of ADD CONSTRAINT\n"
		    "-- would be held through the scan of VALIDATE\n"
		    "-- migration 1 (ACCESS EXCLUSIVE, brief: no rows are read):\n"
		    "ALTER TABLE {table} ADD CONSTRAINT {column+_not_null} CHECK ({column} IS NOT NULL) NOT VALID;\n"
		    "-- migration 2 (SHARE UPDATE EXCLUSIVE: writes go on while it scans):\n"
		    "ALTER TABLE {table} VALIDATE CONSTRAINT {column+_not_null};\n"
		    "-- migration 3 (PostgreSQL 12+ uses the valid check instead of scanning):\n"
		    "ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;\n"
		    "ALTER TABLE {table} DROP CONSTRAINT {column+_not_null};",
		    "SET NOT NULL on column \"%s\" of existing table \"%s\" scans it under an exclusive lock", c->name,
		    lint_rv_name(rv));
}

RULE_CHECK(rule_set_not_null)
{
	each_action(ctx, self, node, set_not_null);
}

static void add_not_null_column(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
				const PgQuery__AlterTableCmd *cmd)
{
	const PgQuery__RangeVar *rv = a->relation;
	const PgQuery__ColumnDef *c = added_column(cmd);
	struct subst sub;
	char *sql;

	if (!c || !has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL, NULL) ||
	    has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT, NULL) ||
	    has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY, NULL) ||
	    has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED, NULL) || is_serial(c))
		return;
	sub = column_subst(a, c->colname);
	sql = add_column_without(a, cmd, NULL, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL);
	sub.sql = or_placeholder(sql);
	lint_report_on(ctx, self, TABLE_OBJECT(rv), c->location, &sub,
		       "fails with \"column contains null values\" as soon as {table} has a row",
		       "-- migration 1: nullable first\n"
		       "{sql};\n"
		       "-- backfill it in batches (pgshift backfill), then migration 2:\n"
		       "ALTER TABLE {table} ADD CONSTRAINT {column+_not_null} CHECK ({column} IS NOT NULL) NOT VALID;\n"
		       "-- migration 3 (SHARE UPDATE EXCLUSIVE: writes go on while it scans):\n"
		       "ALTER TABLE {table} VALIDATE CONSTRAINT {column+_not_null};\n"
		       "-- migration 4 (PostgreSQL 12+ uses the valid check instead of scanning):\n"
		       "ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;\n"
		       "ALTER TABLE {table} DROP CONSTRAINT {column+_not_null};",
		       "adding NOT NULL column \"%s\" without a default to existing table \"%s\"", c->colname,
		       lint_rv_name(rv));
	free(sql);
}

RULE_CHECK(rule_add_not_null_column)
{
	each_action(ctx, self, node, add_not_null_column);
}

/* table-rewrite on ALTER TABLE: a serial, identity or stored generated column; SET LOGGED / UNLOGGED. */
static void table_rewrite(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
			  const PgQuery__AlterTableCmd *cmd)
{
	const PgQuery__RangeVar *rv = a->relation;
	const PgQuery__ColumnDef *c = added_column(cmd);
	struct subst sub = column_subst(a, c ? c->colname : cmd->name);

	if (c) {
		bool serial = is_serial(c), identity = has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY, NULL);

		if (!serial && !identity && !has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED, NULL))
			return;
		lint_report(ctx, self, c->location, &sub,
			    "rewrites every row of {table} under ACCESS EXCLUSIVE: reads and writes wait for the whole "
			    "rewrite",
			    "-- add a plain nullable column, fill it in batches, then attach the sequence or default:\n"
			    "ALTER TABLE {table} ADD COLUMN {column} bigint;",
			    "adding %s column \"%s\" to existing table \"%s\" rewrites it",
			    serial ? "a serial" : identity ? "an identity" : "a stored generated", c->colname, lint_rv_name(rv));
	} else if (cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged ||
		   cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged) {
		lint_report(ctx, self, rv->location, &sub, "rewrites every row of {table} under ACCESS EXCLUSIVE",
			    "-- do it in a maintenance window, or create a new table and copy in batches",
			    "SET %s rewrites table \"%s\"",
			    cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged ? "LOGGED" : "UNLOGGED",
			    lint_rv_name(rv));
	}
}

RULE_CHECK(rule_alter_table_rewrite)
{
	each_action(ctx, self, node, table_rewrite);
}

/* A volatile default, or any default before PostgreSQL 11: ADD COLUMN rewrites the table. */
static void volatile_default(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
			     const PgQuery__AlterTableCmd *cmd)
{
	const PgQuery__ColumnDef *c = added_column(cmd);
	const PgQuery__Constraint *def = NULL;
	const char *vol;
	struct subst sub;
	struct buf both = BUF_INIT;
	char *sql, *set;

	if (!c || !has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT, &def) ||
	    (!(vol = volatile_call(def->raw_expr)) && ctx->run->opts.pg_version >= 110000))
		return;
	sub = column_subst(a, c->colname);
	set = set_default(a, c->colname, def->raw_expr);
	sql = add_column_without(a, cmd, NULL, PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT);
	buf_addf(&both, "%s;\n%s", or_placeholder(sql), or_placeholder(set));
	sub.sql = both.data;
	if (vol)
		lint_report(ctx, self, def->location, &sub,
			    "rewrites every row of {table} under ACCESS EXCLUSIVE (a volatile default is computed per "
			    "row)",
			    "{sql};   -- new rows only\n"
			    "-- then backfill the existing rows in batches (pgshift backfill)",
			    "default %s() of new column \"%s\" is volatile", vol, c->colname);
	else
		lint_report(ctx, self, def->location, &sub,
			    "before PostgreSQL 11 any ADD COLUMN ... DEFAULT rewrites every row of {table} under ACCESS "
			    "EXCLUSIVE",
			    "{sql};\n"
			    "-- then backfill the existing rows in batches",
			    "adding column \"%s\" with a default rewrites the table before PostgreSQL 11", c->colname);
	buf_release(&both);
	free(sql);
	free(set);
}

RULE_CHECK(rule_volatile_default)
{
	each_action(ctx, self, node, volatile_default);
}

/* The name of constraint k: its own, else the one PostgreSQL would give it (so that a later VALIDATE can name it); new string. */
static char *constraint_name(const PgQuery__RangeVar *rv, const PgQuery__Constraint *k)
{
	if (k->conname && *k->conname)
		return xstrdup(k->conname);
	return xasprintf("%s_%s", rv->relname,
			 k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN ? "fkey"
			 : k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK ? "check"
			 : k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ? "pkey"
									       : "key");
}

/* fk-without-not-valid: a new column that REFERENCES, or ADD FOREIGN KEY without NOT VALID. */
static void fk_without_not_valid(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
				 const PgQuery__AlterTableCmd *cmd)
{
	const PgQuery__RangeVar *rv = a->relation;
	const PgQuery__ColumnDef *c = added_column(cmd);
	const PgQuery__Constraint *k = added_constraint(cmd);
	struct subst sub = column_subst(a, c ? c->colname : NULL);
	struct buf both = BUF_INIT;
	char *name, *add, *key;

	if (c && has_constraint(c, PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN, &k)) {
		name = xasprintf("%s_%s_fkey", rv->relname, c->colname);
		add = add_column_without(a, cmd, NULL, PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN);
		key = add_not_valid(a, k, name, c->colname);
		/* apart: one transaction would hold the new column's ACCESS EXCLUSIVE while it waits for the other table */
		buf_addf(&both, "%s;\n-- migration 2, a separate one (a brief lock on both tables, no scan):\n%s",
			 or_placeholder(add), or_placeholder(key));
		sub.name = name;
		sub.sql = both.data;
		lint_report(ctx, self, k->location, &sub,
			    "SHARE ROW EXCLUSIVE lock on {table} and the referenced table while the key is added",
			    "-- migration 1:\n"
			    "{sql};\n"
			    "-- migration 3, a separate one (SHARE UPDATE EXCLUSIVE: writes go on while it checks):\n"
			    "ALTER TABLE {table} VALIDATE CONSTRAINT {name};",
			    "new column \"%s\" references another table without NOT VALID", c->colname);
		buf_release(&both);
		free(add);
		free(key);
		free(name);
	} else if (!c && k && k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN && !k->skip_validation) {
		name = constraint_name(rv, k);
		key = add_not_valid(a, k, name, NULL);
		sub.name = name;
		sub.sql = or_placeholder(key);
		lint_report(ctx, self, k->location, &sub,
			    "SHARE ROW EXCLUSIVE lock on {table} and the referenced table while every row is checked",
			    "-- migration 1:\n"
			    "{sql};\n"
			    "-- migration 2, a separate one (SHARE UPDATE EXCLUSIVE: writes go on while it checks):\n"
			    "ALTER TABLE {table} VALIDATE CONSTRAINT {name};",
			    "foreign key on existing table \"%s\" is validated while holding its lock", lint_rv_name(rv));
		free(key);
		free(name);
	}
}

RULE_CHECK(rule_fk_without_not_valid)
{
	each_action(ctx, self, node, fk_without_not_valid);
}

static void check_without_not_valid(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
				    const PgQuery__AlterTableCmd *cmd)
{
	const PgQuery__RangeVar *rv = a->relation;
	const PgQuery__Constraint *k = added_constraint(cmd);
	struct subst sub = column_subst(a, NULL);
	char *name, *not_valid;

	if (!k || k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK || k->skip_validation)
		return;
	name = constraint_name(rv, k);
	not_valid = add_not_valid(a, k, name, NULL);
	sub.name = name;
	sub.sql = or_placeholder(not_valid);
	lint_report(ctx, self, k->location, &sub, "ACCESS EXCLUSIVE lock on {table} while every row is checked",
		    "-- migration 1 (ACCESS EXCLUSIVE, brief: no rows are read):\n"
		    "{sql};\n"
		    "-- migration 2, a separate one: in the same transaction the lock above would be held\n"
		    "-- through the whole scan (SHARE UPDATE EXCLUSIVE alone: writes go on):\n"
		    "ALTER TABLE {table} VALIDATE CONSTRAINT {name};",
		    "check constraint on existing table \"%s\" scans it under an exclusive lock", lint_rv_name(rv));
	free(not_valid);
	free(name);
}

RULE_CHECK(rule_check_without_not_valid)
{
	each_action(ctx, self, node, check_without_not_valid);
}

static void unique_without_index(struct lint_ctx *ctx, const struct rule *self, const PgQuery__AlterTableStmt *a,
				 const PgQuery__AlterTableCmd *cmd)
{
	const PgQuery__RangeVar *rv = a->relation;
	const PgQuery__Constraint *k = added_constraint(cmd);
	struct subst sub = column_subst(a, NULL);
	struct buf keys = BUF_INIT;
	bool primary;
	char *name;

	if (!k || (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE && k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) ||
	    (k->indexname && *k->indexname))
		return;
	primary = k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
	name = constraint_name(rv, k);
	lint_quote_list(&keys, k->keys, k->n_keys);
	sub.name = name;
	sub.sql = keys.data;
	lint_report(ctx, self, k->location, &sub,
		    "builds the index under ACCESS EXCLUSIVE: reads and writes of {table} wait for the build",
		    primary ? "-- migration 1, a migration of its own (pgshift runs it outside a transaction):\n"
			      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name+_idx} ON {table} {sql};\n"
			      "-- migration 2:\n"
			      "ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name+_idx};"
			    : "-- migration 1, a migration of its own (pgshift runs it outside a transaction):\n"
			      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name+_idx} ON {table} {sql};\n"
			      "-- migration 2:\n"
			      "ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name+_idx};",
		    "%s constraint on existing table \"%s\" builds its index while locking the table",
		    primary ? "primary key" : "unique", lint_rv_name(rv));
	buf_release(&keys);
	free(name);
}

RULE_CHECK(rule_unique_without_index)
{
	each_action(ctx, self, node, unique_without_index);
}
