/*
 * locks: the strongest table lock a statement takes, for the review report
 * (from PostgreSQL's "Explicit Locking" table and the ALTER TABLE notes).
 */
#include "lint/lint.h"
#include "lint/rule.h"

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
