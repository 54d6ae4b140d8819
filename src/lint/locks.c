/*
 * locks: the strongest table lock a statement takes, for the review report,
 * and the tables it locks ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE, for
 * multiple-tables-locked (from PostgreSQL's "Explicit Locking" table and the
 * ALTER TABLE notes).
 */
#include "lint/lint.h"
#include "lint/rule.h"

#include <string.h>

static const char *alter_table_lock(const PgQuery__AlterTableStmt *a)
{
	const char *lock = "SHARE UPDATE EXCLUSIVE";

	for (size_t i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ClusterOn:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropCluster:
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
			    c->def->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
				lock = "SHARE ROW EXCLUSIVE (and on the referenced table)";
				break;
			}
			return "ACCESS EXCLUSIVE";
		default:
			return "ACCESS EXCLUSIVE";
		}
	}
	return lock;
}

const char *lint_lock_level(const void *n)
{
	const PgQuery__Node *node = n;

	if (!node)
		return "";
	switch (node->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return alter_table_lock(node->alter_table_stmt);
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return node->index_stmt->concurrent ? "SHARE UPDATE EXCLUSIVE (writes continue)" : "SHARE (blocks writes)";
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return node->drop_stmt->concurrent ? "SHARE UPDATE EXCLUSIVE" : "ACCESS EXCLUSIVE";
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
	case PG_QUERY__NODE__NODE_RENAME_STMT:
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		return "ACCESS EXCLUSIVE";
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return "SHARE UPDATE EXCLUSIVE (ACCESS EXCLUSIVE with FULL)";
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		return "SHARE (ACCESS EXCLUSIVE on the index)";
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
	case PG_QUERY__NODE__NODE_DELETE_STMT:
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		return "ROW EXCLUSIVE (row locks on the rows changed)";
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		return "as named in the LOCK statement";
	case PG_QUERY__NODE__NODE_CREATE_STMT:
	case PG_QUERY__NODE__NODE_VIEW_STMT:
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		return "none on existing tables";
	default:
		return "";
	}
}

static void strong_rv(const PgQuery__RangeVar *rv, const char *mode, lint_lock_fn fn, void *arg)
{
	if (rv && rv->relname && *rv->relname)
		fn(rv->schemaname, rv->relname, mode, arg);
}

/* The referenced tables of the foreign keys among constraints (SHARE ROW EXCLUSIVE on each). */
static void strong_fk(PgQuery__Node **items, size_t n, lint_lock_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++)
		if (items[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    items[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN)
			strong_rv(items[i]->constraint->pktable, "SHARE ROW EXCLUSIVE", fn, arg);
		else if (items[i]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			strong_fk(items[i]->column_def->constraints, items[i]->column_def->n_constraints, fn, arg);
}

/* DROP TABLE is left out: the application no longer uses a table it drops (drop-table sees to that). */
void lint_strong_locks(const PgQuery__Node *n, lint_lock_fn fn, void *arg)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: {
		const PgQuery__AlterTableStmt *a = n->alter_table_stmt;
		const char *lock = alter_table_lock(a);

		if (a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !strncmp(lock, "SHARE UPDATE", 12))
			return;
		strong_rv(a->relation, strncmp(lock, "SHARE ROW", 9) ? "ACCESS EXCLUSIVE" : "SHARE ROW EXCLUSIVE", fn, arg);
		for (size_t i = 0; i < a->n_cmds; i++)
			if (a->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD && a->cmds[i]->alter_table_cmd->def)
				strong_fk(&a->cmds[i]->alter_table_cmd->def, 1, fn, arg);
		return;
	}
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		strong_fk(n->create_stmt->table_elts, n->create_stmt->n_table_elts, fn, arg);
		return;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		for (size_t i = 0; i < n->truncate_stmt->n_relations; i++)
			if (n->truncate_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				strong_rv(n->truncate_stmt->relations[i]->range_var, "ACCESS EXCLUSIVE", fn, arg);
		return;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		    n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ||
		    n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT)
			strong_rv(n->rename_stmt->relation, "ACCESS EXCLUSIVE", fn, arg);
		return;
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		/* 6: SHARE ROW EXCLUSIVE, 7: EXCLUSIVE, 8: ACCESS EXCLUSIVE */
		for (size_t i = 0; n->lock_stmt->mode >= 6 && i < n->lock_stmt->n_relations; i++)
			if (n->lock_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				strong_rv(n->lock_stmt->relations[i]->range_var,
					  n->lock_stmt->mode == 6 ? "SHARE ROW EXCLUSIVE" : "ACCESS EXCLUSIVE", fn, arg);
		return;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		strong_rv(n->create_trig_stmt->relation, "SHARE ROW EXCLUSIVE", fn, arg);
		return;
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		strong_rv(n->cluster_stmt->relation, "ACCESS EXCLUSIVE", fn, arg);
		return;
	default:
		return;
	}
}
