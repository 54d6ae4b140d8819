/*
 * roles: setup SQL and the live check of the admin / app separation.
 */
#include "db/roles.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/quote.h"
#include "util/exitcodes.h"

/* 1 when the role exists, 0 when not, -1 with err; the name goes as a parameter, never into SQL text. */
static int role_exists(PGconn *conn, const char *name, struct pgs_error *err)
{
	const char *p[1] = { name };
	PGresult *res = PQexecParams(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, NULL, p, NULL, NULL, 0);
	int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) > 0
							: db_result_error(conn, res, "could not read the roles", err);

	PQclear(res);
	return rc;
}

/* Appends CREATE ROLE (when missing) and the password, as a SCRAM verifier hashed here, of one role. */
static int add_role(PGconn *conn, const char *name, const char *quoted, const char *password, struct buf *sql,
		    struct pgs_error *err)
{
	int exists = role_exists(conn, name, err);

	if (exists < 0)
		return -1;
	if (!exists)
		buf_addf(sql, "CREATE ROLE %s LOGIN;\n", quoted);
	if (password) {
		/* the algorithm is named, so libpq hashes locally without asking the server */
		char *verifier = PQencryptPasswordConn(conn, password, name, "scram-sha-256");
		char *lit = verifier ? db_quote_literal(conn, verifier, "the password verifier", err) : NULL;

		if (!verifier)
			err_set(err, EXIT_FAILURE_, "could not hash the password of role %s: %s", quoted,
				PQerrorMessage(conn));
		if (lit)
			buf_addf(sql, "ALTER ROLE %s PASSWORD %s;\n", quoted, lit);
		PQfreemem(verifier);
		free(lit);
		if (!lit)
			return -1;
	}
	return 0;
}

/* Appends the grants of one schema; hist is the quoted history table when it lives there and exists. */
static void add_schema(struct buf *sql, const char *s, const char *admin, const char *app, const char *hist)
{
	buf_addf(sql, "GRANT USAGE, CREATE ON SCHEMA %s TO %s;\n", s, admin);
	buf_addf(sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, app);
	buf_addf(sql, "REVOKE CREATE ON SCHEMA %s FROM %s;\n", s, app);
	buf_addf(sql, "REVOKE CREATE ON SCHEMA %s FROM PUBLIC;\n", s);
	buf_addf(sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s;\n", s, app);
	buf_addf(sql, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s;\n", s, app);
	buf_addf(sql, "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %s TO %s;\n", s, app);
	buf_addf(sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %s;\n",
		 admin, s, app);
	buf_addf(sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT USAGE, SELECT ON SEQUENCES TO %s;\n",
		 admin, s, app);
	buf_addf(sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT EXECUTE ON FUNCTIONS TO %s;\n", admin, s,
		 app);
	if (hist) {
		/* the admin writes the history; the app has no business with it */
		buf_addf(sql, "ALTER TABLE %s OWNER TO %s;\n", hist, admin);
		buf_addf(sql, "REVOKE ALL ON %s FROM %s;\n", hist, app);
	}
}

/* q (a quoted table name, freed here) when that table exists, NULL when it does not or on error (err set). */
static char *existing_table(PGconn *conn, char *q, struct pgs_error *err)
{
	const char *p[1] = { q };
	PGresult *res;

	if (!q)
		return NULL;
	res = PQexecParams(conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		db_result_error(conn, res, "could not look for the history table", err);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || strcmp(PQgetvalue(res, 0, 0), "t")) {
		free(q);
		q = NULL;
	}
	PQclear(res);
	return q;
}

int roles_setup_sql(PGconn *conn, const struct roles_spec *r, const struct history_table *ht, bool create_history,
		    struct buf *sql, struct pgs_error *err)
{
	char *admin = db_quote_ident(conn, r->admin, "--admin", err);
	char *app = admin ? db_quote_ident(conn, r->app, "--app", err) : NULL;
	char **schemas = xcalloc((size_t)r->nschemas + 1, sizeof(char *));
	char *hist = NULL, *deps = NULL;
	int rc = -1;

	/* every name is quoted before anything is looked up or written */
	for (int i = 0; app && i < r->nschemas; i++)
		if (!(schemas[i] = db_quote_ident(conn, r->schemas[i], "--schema", err)))
			goto out;
	if (!app || (create_history && history_ensure(conn, ht, err) < 0))
		goto out;
	for (int i = 0; i < r->nschemas && !hist; i++)
		if (!strcmp(r->schemas[i], ht->schema) &&
		    !(hist = existing_table(conn, history_qualified_name(conn, ht, err), err)) && err->message)
			goto out;
	/*
	 * Prisma mode keeps pgshift_deployments in its own schema (deployments_schema),
	 * which the admin's deploys write: it is made here, as the history is, and
	 * handed to the admin.
	 */
	if (ht->prisma && create_history && deployments_ensure(conn, ht, err) < 0)
		goto out;
	if (ht->prisma && !(deps = existing_table(conn, deployments_qualified_name(conn, ht, err), err)) && err->message)
		goto out;
	buf_adds(sql, "BEGIN;\n");
	if (add_role(conn, r->admin, admin, r->admin_password, sql, err) < 0 ||
	    add_role(conn, r->app, app, r->app_password, sql, err) < 0)
		goto out;
	for (int i = 0; i < r->nschemas; i++)
		add_schema(sql, schemas[i], admin, app, !strcmp(r->schemas[i], ht->schema) ? hist : NULL);
	if (deps) {
		char *ds = db_quote_ident(conn, deployments_schema(ht), "the deployments schema", err);

		if (!ds)
			goto out;
		buf_addf(sql, "GRANT USAGE, CREATE ON SCHEMA %s TO %s;\n", ds, admin);
		buf_addf(sql, "ALTER TABLE %s OWNER TO %s;\n", deps, admin);
		buf_addf(sql, "REVOKE ALL ON %s FROM %s;\n", deps, app);
		free(ds);
	}
	buf_adds(sql, "COMMIT;\n");
	rc = 0;
out:
	for (int i = 0; i < r->nschemas; i++)
		free(schemas[i]);
	free(schemas);
	free(hist);
	free(deps);
	free(admin);
	free(app);
	return rc;
}

int roles_setup(PGconn *conn, const struct roles_spec *r, const struct history_table *ht, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	int rc = roles_setup_sql(conn, r, ht, true, &sql, err);

	/* after a bad name or an unreadable catalog nothing was changed */
	if (rc == 0 && (rc = db_exec(conn, sql.data, "could not set up the roles", err)) < 0) {
		db_rollback(conn);
		err_hint(err, "the connecting role needs CREATEROLE (or superuser) and ownership of the schemas");
	}
	explicit_bzero(sql.data, sql.len);
	buf_release(&sql);
	return rc;
}

static void add_gap(struct role_gaps *g, const char *problem, const char *fix)
{
	g->items = xrealloc(g->items, (g->n + 1) * sizeof(*g->items));
	g->items[g->n].problem = xstrdup(problem);
	g->items[g->n].fix = xstrdup(fix);
	g->n++;
}

void role_gaps_free(struct role_gaps *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->items[i].problem);
		free(g->items[i].fix);
	}
	free(g->items);
	memset(g, 0, sizeof(*g));
}

/* Runs a query with params whose rows are (problem, fix) pairs, adding each as a gap. */
static int gaps_from(PGconn *conn, const char *sql, int n, const char *const *params, struct role_gaps *g,
		     struct pgs_error *err)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not check the roles", err);
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		add_gap(g, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
}

int roles_check(PGconn *conn, const char *app, const char *const *schemas, int nschemas,
		const struct history_table *ht, struct role_gaps *gaps, struct pgs_error *err)
{
	memset(gaps, 0, sizeof(*gaps));
	{
		const char *p[1] = { app };
		PGresult *res = PQexecParams(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, NULL, p, NULL, NULL, 0);
		int found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

		PQclear(res);
		if (!found) {
			err_set(err, EXIT_HISTORY, "the app role \"%s\" does not exist", app);
			err_hint(err, "create it with \"pgshift roles setup --admin ADMIN --app %s\"", app);
			return -1;
		}
	}
	for (int i = 0; i < nschemas; i++) {
		const char *params[3] = { app, schemas[i], ht->table };

		if (gaps_from(conn,
			      "SELECT format('the migration role %s cannot create objects in schema %s', current_user, $2::text), "
			      "format('GRANT CREATE ON SCHEMA %I TO %I;', $2::text, current_user) "
			      "WHERE NOT has_schema_privilege(current_user, $2::text, 'CREATE') "
			      "UNION ALL "
			      "SELECT format('the app role %s cannot use schema %s', $1::text, $2::text), "
			      "format('GRANT USAGE ON SCHEMA %I TO %I;', $2::text, $1::text) "
			      "WHERE NOT has_schema_privilege($1::text, $2::text, 'USAGE') "
			      "UNION ALL "
			      "SELECT format('the app role %s can create objects in schema %s', $1::text, $2::text), "
			      "format('REVOKE CREATE ON SCHEMA %I FROM %I; REVOKE CREATE ON SCHEMA %I FROM PUBLIC;', $2::text, $1::text, $2::text) "
			      "WHERE has_schema_privilege($1::text, $2::text, 'CREATE') "
			      "UNION ALL "
			      "SELECT format('the app role %s owns %s %I.%I', $1::text, CASE c.relkind WHEN 'S' THEN 'sequence' "
			      "WHEN 'v' THEN 'view' ELSE 'table' END, n.nspname, c.relname), "
			      "format('ALTER TABLE %I.%I OWNER TO %I;', n.nspname, c.relname, current_user) "
			      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			      "WHERE n.nspname = $2::text AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1::text) "
			      "AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
			      "UNION ALL "
			      "SELECT format('the app role %s lacks %s on table %I.%I', $1::text, string_agg(p, ', '), n.nspname, c.relname), "
			      "format('GRANT %s ON %I.%I TO %I;', string_agg(p, ', '), n.nspname, c.relname, $1::text) "
			      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			      "CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p "
			      "WHERE n.nspname = $2::text AND c.relkind IN ('r', 'p') AND c.relname <> $3::text "
			      "AND NOT has_table_privilege($1::text, c.oid, p) GROUP BY n.nspname, c.relname "
			      "UNION ALL "
			      "SELECT format('the app role %s lacks %s on sequence %I.%I', $1::text, string_agg(p, ', '), n.nspname, c.relname), "
			      "format('GRANT %s ON SEQUENCE %I.%I TO %I;', string_agg(p, ', '), n.nspname, c.relname, $1::text) "
			      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			      "CROSS JOIN unnest(ARRAY['USAGE', 'SELECT']) AS p "
			      "WHERE n.nspname = $2::text AND c.relkind = 'S' AND NOT has_sequence_privilege($1::text, c.oid, p) "
			      "GROUP BY n.nspname, c.relname",
			      3, params, gaps, err) < 0) {
			role_gaps_free(gaps);
			return -1;
		}
	}
	return 0;
}
