/*
 * reset: DROP SCHEMA ... CASCADE and back, keeping owner, grants and comment.
 */
#include "db/reset.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/quote.h"
#include "util/buf.h"
#include "util/exitcodes.h"

/* Appends the SQL that re-creates one schema as it is now. */
static int recreate_sql(PGconn *conn, const char *schema, struct buf *sql, struct pgs_error *err)
{
	const char *params[1] = { schema };
	PGresult *res = PQexecParams(conn,
				     "SELECT r.rolname, obj_description(n.oid, 'pg_namespace') "
				     "FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = $1",
				     1, NULL, params, NULL, NULL, 0);
	char *ident = db_quote_ident(conn, schema, "--schema", err);
	int rc = 0;

	if (!ident) {
		rc = -1;
		goto out;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = db_result_error(conn, res, "could not read the schema", err);
		goto out;
	}
	if (PQntuples(res) == 0) {
		/* A managed schema that does not exist yet: create it for the current user. */
		buf_addf(sql, "CREATE SCHEMA %s;\n", ident);
		goto out;
	}
	{
		char *own = db_quote_ident(conn, PQgetvalue(res, 0, 0), "the schema's owner", err);
		char *lit = !own || PQgetisnull(res, 0, 1) ? NULL
			    : db_quote_literal(conn, PQgetvalue(res, 0, 1), "the schema's comment", err);

		if (own)
			buf_addf(sql, "DROP SCHEMA %s CASCADE;\nCREATE SCHEMA %s AUTHORIZATION %s;\n", ident, ident, own);
		if (lit)
			buf_addf(sql, "COMMENT ON SCHEMA %s IS %s;\n", ident, lit);
		free(own);
		free(lit);
		if (err->message) {
			rc = -1;
			goto out;
		}
	}
	PQclear(res);
	res = PQexecParams(conn,
			   "SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE g.rolname END, a.privilege_type, a.is_grantable "
			   "FROM pg_namespace n, aclexplode(n.nspacl) a LEFT JOIN pg_roles g ON g.oid = a.grantee "
			   "WHERE n.nspname = $1 ORDER BY 1 NULLS FIRST, 2",
			   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = db_result_error(conn, res, "could not read the schema's privileges", err);
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *priv = PQgetvalue(res, i, 1);
		bool grantable = !strcmp(PQgetvalue(res, i, 2), "t");

		if (strcmp(priv, "USAGE") && strcmp(priv, "CREATE"))
			continue;
		if (PQgetisnull(res, i, 0)) {
			buf_addf(sql, "GRANT %s ON SCHEMA %s TO PUBLIC;\n", priv, ident);
		} else {
			char *g = db_quote_ident(conn, PQgetvalue(res, i, 0), "a grantee of the schema", err);

			if (!g) {
				rc = -1;
				goto out;
			}
			buf_addf(sql, "GRANT %s ON SCHEMA %s TO %s%s;\n", priv, ident, g, grantable ? " WITH GRANT OPTION" : "");
			free(g);
		}
	}
out:
	PQclear(res);
	free(ident);
	return rc;
}

int db_reset_schemas(PGconn *conn, const char *const *schemas, int n, const struct history_table *ht,
		     struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	bool history_kept = true;
	int rc = -1;

	buf_adds(&sql, "BEGIN;\nSET LOCAL client_min_messages = warning;\n");
	for (int i = 0; i < n; i++) {
		if (!strcmp(schemas[i], ht->schema))
			history_kept = false;
		if (recreate_sql(conn, schemas[i], &sql, err) < 0)
			goto out;
	}
	if (history_kept) {
		char *q = history_qualified_name(conn, ht, err);

		if (!q)
			goto out;
		buf_addf(&sql, "DELETE FROM %s;\n", q);
		free(q);
	}
	buf_adds(&sql, "COMMIT;\n");
	if (db_exec(conn, sql.data, "could not reset the database", err) < 0) {
		db_rollback(conn);
		goto out;
	}
	rc = 0;
out:
	buf_release(&sql);
	return rc;
}

int db_empty_database(PGconn *conn, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
				     "'information_schema') AND nspname !~ '^pg_(toast|temp_)' ORDER BY 1");
	struct buf sql = BUF_INIT;
	bool public_seen = false;
	int rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not list the schemas of the shadow database", err);
		goto out;
	}
	buf_adds(&sql, "BEGIN;\nSET LOCAL client_min_messages = warning;\n");
	for (int i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);

		if (!strcmp(name, "public")) {
			/* kept as a fresh database has it: its owner and grants matter to the model */
			public_seen = true;
			if (recreate_sql(conn, name, &sql, err) < 0)
				goto out;
		} else {
			char *ident = db_quote_ident(conn, name, "a schema of the shadow database", err);

			if (!ident)
				goto out;
			buf_addf(&sql, "DROP SCHEMA %s CASCADE;\n", ident);
			free(ident);
		}
	}
	if (!public_seen && recreate_sql(conn, "public", &sql, err) < 0)
		goto out;
	buf_adds(&sql, "COMMIT;\n");
	if (db_exec(conn, sql.data, "could not empty the shadow database", err) < 0) {
		db_rollback(conn);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	buf_release(&sql);
	return rc;
}
