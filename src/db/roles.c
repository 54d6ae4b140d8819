/*
 * roles: setup SQL and the live check of the admin / app separation.
 */
#include "db/roles.h"

#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "util/exitcodes.h"

static char *ident(PGconn *conn, const char *s)
{
	char *q = PQescapeIdentifier(conn, s, strlen(s));
	char *r = xstrdup(q ? q : s);

	PQfreemem(q);
	return r;
}

static void create_role(PGconn *conn, const char *name, struct buf *sql)
{
	char *lit = PQescapeLiteral(conn, name, strlen(name));

	/* format() quotes the name inside the DO body, so nothing is pasted unescaped */
	buf_addf(sql, "DO $pgshift$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) THEN\n"
		      "    EXECUTE format('CREATE ROLE %%I LOGIN', %s);\n  END IF;\nEND $pgshift$;\n",
		 lit, lit);
	PQfreemem(lit);
}

void roles_setup_sql(PGconn *conn, const struct roles_spec *r, const struct history_table *ht, int with_passwords,
		     struct buf *sql)
{
	char *admin = ident(conn, r->admin), *app = ident(conn, r->app);

	buf_adds(sql, "BEGIN;\n");
	create_role(conn, r->admin, sql);
	create_role(conn, r->app, sql);
	if (with_passwords && r->admin_password) {
		char *lit = PQescapeLiteral(conn, r->admin_password, strlen(r->admin_password));
		buf_addf(sql, "ALTER ROLE %s PASSWORD %s;\n", admin, lit);
		PQfreemem(lit);
	}
	if (with_passwords && r->app_password) {
		char *lit = PQescapeLiteral(conn, r->app_password, strlen(r->app_password));
		buf_addf(sql, "ALTER ROLE %s PASSWORD %s;\n", app, lit);
		PQfreemem(lit);
	}
	for (int i = 0; i < r->nschemas; i++) {
		char *s = ident(conn, r->schemas[i]);

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
		buf_addf(sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT EXECUTE ON FUNCTIONS TO %s;\n", admin,
			 s, app);
		if (!strcmp(r->schemas[i], ht->schema)) {
			/* the app has no business with the migration history */
			char *q = history_qualified_name(conn, ht);
			char *qlit = PQescapeLiteral(conn, q, strlen(q));
			char *applit = PQescapeLiteral(conn, r->app, strlen(r->app));
			char *admlit = PQescapeLiteral(conn, r->admin, strlen(r->admin));

			/* the admin writes the history; the app has no business with it */
			buf_addf(sql, "DO $pgshift$ BEGIN\n  IF to_regclass(%s) IS NOT NULL THEN\n"
				      "    EXECUTE format('ALTER TABLE %%s OWNER TO %%I', %s, %s);\n"
				      "    EXECUTE format('REVOKE ALL ON %%s FROM %%I', %s, %s);\n  END IF;\nEND $pgshift$;\n",
				 qlit, qlit, admlit, qlit, applit);
			PQfreemem(qlit);
			PQfreemem(applit);
			PQfreemem(admlit);
			free(q);
		}
		free(s);
	}
	buf_adds(sql, "COMMIT;\n");
	free(admin);
	free(app);
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
