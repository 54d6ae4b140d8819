/*
 * rules: the one table of lint rules, as data: id, severity, the summary the
 * catalogue shows, the statement type it looks at and its check.  Adding a
 * rule is one row here and its check in the file of its kind.  The order is
 * the catalogue's (SARIF's rule list); findings are sorted by position.
 */
#include <pthread.h>
#include <string.h>

#include "lint/rule.h"

#define N(x) PG_QUERY__NODE__NODE_##x

const struct rule lint_rule_table[] = {
	/* drop.c */
	{ "drop-table", SEV_REVIEW, "DROP TABLE of an existing table", N(DROP_STMT), rule_drop_table },
	{ "drop-schema", SEV_REVIEW, "DROP SCHEMA", N(DROP_STMT), rule_drop_schema },
	{ "drop-object", SEV_REVIEW, "DROP VIEW / MATERIALIZED VIEW / FUNCTION / TYPE / SEQUENCE that exists",
	  N(DROP_STMT), rule_drop_object },
	{ "drop-index", SEV_REVIEW, "DROP INDEX of an existing index", N(DROP_STMT), rule_drop_index },
	{ "redefine-function", SEV_WARNING,
	  "DROP FUNCTION, then CREATE FUNCTION with the same arguments in the same migration", N(DROP_STMT),
	  rule_redefine_function },
	{ "truncate", SEV_REVIEW, "TRUNCATE", N(TRUNCATE_STMT), rule_truncate },
	{ "drop-database", SEV_REVIEW, "DROP DATABASE", N(DROPDB_STMT), rule_drop_database },
	/* alter_table.c */
	{ "drop-column", SEV_REVIEW, "ALTER TABLE ... DROP COLUMN", N(ALTER_TABLE_STMT), rule_drop_column },
	{ "alter-column-type", SEV_REVIEW, "ALTER COLUMN ... TYPE", N(ALTER_TABLE_STMT), rule_alter_column_type },
	{ "add-not-null-column-without-default", SEV_REVIEW,
	  "ADD COLUMN ... NOT NULL without DEFAULT on an existing table", N(ALTER_TABLE_STMT), rule_add_not_null_column },
	{ "set-not-null", SEV_WARNING, "ALTER COLUMN ... SET NOT NULL on an existing table", N(ALTER_TABLE_STMT),
	  rule_set_not_null },
	{ "fk-without-not-valid", SEV_WARNING, "ADD FOREIGN KEY / REFERENCES on an existing table without NOT VALID",
	  N(ALTER_TABLE_STMT), rule_fk_without_not_valid },
	{ "check-without-not-valid", SEV_WARNING, "ADD CHECK on an existing table without NOT VALID", N(ALTER_TABLE_STMT),
	  rule_check_without_not_valid },
	{ "unique-without-index", SEV_WARNING, "ADD UNIQUE / PRIMARY KEY without USING INDEX on an existing table",
	  N(ALTER_TABLE_STMT), rule_unique_without_index },
	{ "volatile-default", SEV_WARNING, "ADD COLUMN ... DEFAULT with a volatile function", N(ALTER_TABLE_STMT),
	  rule_volatile_default },
	{ "table-rewrite", SEV_WARNING,
	  "serial/identity/stored generated column, SET LOGGED/UNLOGGED, VACUUM FULL, CLUSTER", N(ALTER_TABLE_STMT),
	  rule_alter_table_rewrite },
	/* other.c */
	{ "rename", SEV_REVIEW, "RENAME COLUMN, RENAME TO (table, view)", N(RENAME_STMT), rule_rename },
	{ "unbounded-dml", SEV_REVIEW, "DELETE or UPDATE without WHERE on an existing table", N(DELETE_STMT),
	  rule_unbounded_delete, true },
	{ "unbounded-dml", SEV_REVIEW, NULL, N(UPDATE_STMT), rule_unbounded_update, true },
	{ "non-concurrent-index", SEV_WARNING, "CREATE INDEX without CONCURRENTLY on an existing table", N(INDEX_STMT),
	  rule_non_concurrent_index },
	{ "non-concurrent-reindex", SEV_WARNING, "REINDEX without CONCURRENTLY", N(REINDEX_STMT),
	  rule_non_concurrent_reindex },
	{ "lock-table", SEV_WARNING, "explicit LOCK TABLE", N(LOCK_STMT), rule_lock_table },
	{ "concurrently-in-transaction", SEV_WARNING,
	  "CONCURRENTLY (or another autocommit-only statement) mixed with others", 0, rule_concurrently_in_transaction },
	{ "enum-add-value", SEV_WARNING, "ALTER TYPE ... ADD VALUE", N(ALTER_ENUM_STMT), rule_enum_add_value },
	{ "dml-with-ddl", SEV_WARNING, "UPDATE / DELETE / INSERT ... SELECT on a table the migration also alters",
	  N(UPDATE_STMT), rule_dml_with_ddl_update, true },
	{ "dml-with-ddl", SEV_WARNING, NULL, N(DELETE_STMT), rule_dml_with_ddl_delete, true },
	{ "dml-with-ddl", SEV_WARNING, NULL, N(INSERT_STMT), rule_dml_with_ddl_insert, true },
	{ "disables-timeout", SEV_WARNING, "SET lock_timeout / statement_timeout = 0", N(VARIABLE_SET_STMT),
	  rule_disables_timeout },
	{ "transaction-control", SEV_WARNING, "BEGIN, COMMIT, ROLLBACK in a migration", N(TRANSACTION_STMT),
	  rule_transaction_control },
	{ "not-idempotent-no-tx", SEV_WARNING,
	  "CREATE/DROP without IF [NOT] EXISTS, INSERT without ON CONFLICT, UPDATE computed from what it sets, in a "
	  "no-transaction migration",
	  0, rule_not_idempotent_no_tx },
	{ "table-rewrite", SEV_WARNING, NULL, N(VACUUM_STMT), rule_vacuum_full },
	{ "table-rewrite", SEV_WARNING, NULL, N(CLUSTER_STMT), rule_cluster },
	/* hints.c: on CREATE TABLE and ALTER TABLE ... ADD COLUMN */
	{ "prefer-bigint", SEV_HINT, "int/serial primary keys", 0, rule_prefer_bigint },
	{ "prefer-text", SEV_HINT, "varchar(n)", 0, rule_prefer_text },
	{ "prefer-timestamptz", SEV_HINT, "timestamp without time zone", 0, rule_prefer_timestamptz },
	{ "prefer-identity", SEV_HINT, "serial instead of identity", 0, rule_prefer_identity },
	{ "ban-char", SEV_HINT, "char(n)", 0, rule_ban_char },
	/* multi_table.c */
	{ "multiple-tables-locked", SEV_WARNING,
	  "one transactional migration locks two or more existing tables (ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE)", 0,
	  rule_multiple_tables_locked },
	{ NULL },
};

#define MAX_RULES 64

static struct rule_info infos[MAX_RULES + 1];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	size_t n = 0;

	for (const struct rule *r = lint_rule_table; r->id && n < MAX_RULES; r++)
		if (r->summary)
			infos[n++] = (struct rule_info){ r->id, r->sev, r->summary };
}

const struct rule_info *lint_rules(void)
{
	pthread_once(&once, build);
	return infos;
}

const struct rule_info *lint_rule_info(const char *id)
{
	for (const struct rule_info *r = lint_rules(); r->id; r++)
		if (!strcmp(r->id, id))
			return r;
	return NULL;
}
