/*
 * history: creating, reading and writing the migrations table.
 */
#include "db/history.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checksum.h"
#include "db/conn.h"
#include "db/quote.h"
#include "util/buf.h"
#include "util/exitcodes.h"

#ifndef PGSHIFT_VERSION
#define PGSHIFT_VERSION "dev"
#endif

void history_table_init(struct history_table *ht, const char *schema, bool prisma)
{
	ht->schema = schema && *schema ? schema : "public";
	ht->table = prisma ? "_prisma_migrations" : "pgshift_migrations";
	ht->prisma = prisma;
}

long long history_lock_key(const struct history_table *ht)
{
	/* Prisma's key in Prisma mode, so that the two tools never migrate at once. */
	return ht->prisma ? PRISMA_LOCK_KEY : PGSHIFT_LOCK_KEY;
}

char *history_quoted_schema(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	return db_quote_ident(conn, ht->schema, "the history schema (--history-schema)", err);
}

char *history_qualified_name(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	char *s = history_quoted_schema(conn, ht, err);
	char *t = s ? db_quote_ident(conn, ht->table, "the history table", err) : NULL;
	char *res = t ? xasprintf("%s.%s", s, t) : NULL;

	free(s);
	free(t);
	return res;
}

/* True when the schema exists; -1 on error. */
static int schema_exists(PGconn *conn, const char *schema, struct pgs_error *err)
{
	const char *params[1] = { schema };
	PGresult *res = PQexecParams(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, NULL, params,
				     NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not read the schemas", err);
		PQclear(res);
		return -1;
	}
	rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

int history_ensure(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	char *q = history_qualified_name(conn, ht, err);
	struct buf sql = BUF_INIT;
	int rc = q ? schema_exists(conn, ht->schema, err) : -1;

	/* "already exists, skipping" is not news: keep the server quiet while we look after our table. */
	buf_adds(&sql, "SET client_min_messages = warning;\n");

	if (rc < 0) {
		buf_release(&sql);
		free(q);
		return -1;
	}
	/* CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists. */
	if (!rc) {
		char *schema = history_quoted_schema(conn, ht, err);	/* quoted once already: cannot fail */
		buf_addf(&sql, "CREATE SCHEMA IF NOT EXISTS %s;\n", schema);
		free(schema);
	}
	buf_addf(&sql,
		 "CREATE TABLE IF NOT EXISTS %s (\n"
		 "    id                  VARCHAR(36) PRIMARY KEY NOT NULL,\n"
		 "    checksum            VARCHAR(64) NOT NULL,\n"
		 "    finished_at         TIMESTAMPTZ,\n"
		 "    migration_name      VARCHAR(255) NOT NULL,\n"
		 "    logs                TEXT,\n"
		 "    rolled_back_at      TIMESTAMPTZ,\n"
		 "    started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
		 "    applied_steps_count INTEGER NOT NULL DEFAULT 0",
		 q);
	if (!ht->prisma)
		buf_adds(&sql, ",\n"
			       "    applied_by          TEXT NOT NULL DEFAULT current_user,\n"
			       "    pgshift_version     TEXT,\n"
			       "    review              TEXT");
	buf_adds(&sql, "\n);\n");
	/* Tables made by an earlier pgshift get the columns added since. */
	if (!ht->prisma)
		buf_addf(&sql, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS review TEXT;\n", q);
	buf_adds(&sql, "RESET client_min_messages");
	rc = db_exec(conn, sql.data, "could not create the history table", err);
	if (rc < 0)
		err_hint(err, "the migration role needs CREATE on schema \"%s\"; or choose another with "
			      "--history-schema", ht->schema);
	buf_release(&sql);
	free(q);
	return rc;
}

static char *dup_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

int history_load(PGconn *conn, const struct history_table *ht, struct history *out, struct pgs_error *err)
{
	char *q = history_qualified_name(conn, ht, err);
	char *sql;
	PGresult *res;
	int n;

	memset(out, 0, sizeof(*out));
	if (!q)
		return -1;
	sql = xasprintf("SELECT id, checksum, migration_name, logs, " TS("started_at") ", "
			TS("finished_at") ", " TS("rolled_back_at") ", applied_steps_count, "
			"(extract(epoch FROM finished_at - started_at) * 1000)::bigint "
			"FROM %s ORDER BY started_at, migration_name", q);
	res = PQexec(conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && (!strcmp(state, "42P01") || !strcmp(state, "3F000"))) {
			PQclear(res);
			free(q);
			return 0;	/* no table (or schema) yet: nothing applied */
		}
		db_result_error(conn, res, "could not read the history table", err);
		err_detail(err, "table %s", q);
		PQclear(res);
		free(q);
		return -1;
	}
	free(q);
	out->table_exists = true;
	n = PQntuples(res);
	out->rows = xcalloc((size_t)n + 1, sizeof(*out->rows));
	for (int i = 0; i < n; i++) {
		struct history_row *r = &out->rows[i];

		r->id = dup_or_null(res, i, 0);
		r->checksum = dup_or_null(res, i, 1);
		r->migration_name = dup_or_null(res, i, 2);
		r->logs = dup_or_null(res, i, 3);
		r->started_at = dup_or_null(res, i, 4);
		r->finished_at = dup_or_null(res, i, 5);
		r->rolled_back_at = dup_or_null(res, i, 6);
		r->applied_steps_count = atoi(PQgetvalue(res, i, 7));
		r->duration_ms = PQgetisnull(res, i, 8) ? -1 : atol(PQgetvalue(res, i, 8));
		if (!r->checksum)
			r->checksum = xstrdup("");
		if (!r->migration_name)
			r->migration_name = xstrdup("");
	}
	out->n = (size_t)n;
	PQclear(res);
	return 0;
}

int history_insert_applied(PGconn *conn, const struct history_table *ht, const char *name,
			   const char *checksum, int steps, const char *review, struct pgs_error *err)
{
	char id[37], stepstr[16];
	char *q = history_qualified_name(conn, ht, err);
	char *sql;
	long rc;

	if (!q)
		return -1;
	uuid_v4(id);
	snprintf(stepstr, sizeof(stepstr), "%d", steps);
	if (ht->prisma) {
		const char *params[4] = { id, checksum, name, stepstr };
		sql = xasprintf("INSERT INTO %s (id, checksum, migration_name, started_at, finished_at, "
				"applied_steps_count) VALUES ($1, $2, $3, now(), clock_timestamp(), $4::int)", q);
		rc = db_exec_params(conn, sql, 4, params, "could not record the migration in the history table", err);
	} else {
		const char *params[6] = { id, checksum, name, stepstr, PGSHIFT_VERSION, review };
		sql = xasprintf("INSERT INTO %s (id, checksum, migration_name, started_at, finished_at, "
				"applied_steps_count, pgshift_version, review) "
				"VALUES ($1, $2, $3, now(), clock_timestamp(), $4::int, $5, $6)", q);
		rc = db_exec_params(conn, sql, 6, params, "could not record the migration in the history table", err);
	}
	free(sql);
	free(q);
	return rc < 0 ? -1 : 0;
}

int history_mark_rolled_back(PGconn *conn, const struct history_table *ht, const char *name,
			     struct pgs_error *err)
{
	char *q = history_qualified_name(conn, ht, err);
	char *sql;
	const char *params[1] = { name };
	long rc;

	if (!q)
		return -1;
	sql = xasprintf("UPDATE %s SET rolled_back_at = clock_timestamp() "
			"WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL", q);
	rc = db_exec_params(conn, sql, 1, params, "could not record the rollback in the history table", err);
	if (rc == 0)
		rc = err_set(err, EXIT_HISTORY, "%s has no applied row in %s to mark as rolled back", name, q);
	free(sql);
	free(q);
	return rc < 0 ? -1 : 0;
}

int history_resolve(PGconn *conn, const struct history_table *ht, const char *name, bool applied,
		    const char *checksum, struct pgs_error *err)
{
	char *q = history_qualified_name(conn, ht, err);
	char *sql;
	const char *params[1] = { name };
	long changed = -1;

	if (!q)
		return -1;
	sql = xasprintf("UPDATE %s SET rolled_back_at = clock_timestamp() "
			"WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL", q);
	if (db_exec(conn, "BEGIN", "could not start a transaction", err) < 0)
		goto out;
	changed = db_exec_params(conn, sql, 1, params, "could not update the history table", err);
	if (changed < 0)
		goto rollback;
	if (applied && changed > 0 &&
	    history_insert_applied(conn, ht, name, checksum, 0, "{\"resolved\": \"applied\"}", err) < 0) {
		changed = -1;
		goto rollback;
	}
	if (db_exec(conn, "COMMIT", "could not commit", err) < 0)
		changed = -1;
	goto out;
rollback:
	db_rollback(conn);
out:
	free(sql);
	free(q);
	return (int)changed;
}

/* Runs one history statement with text parameters; what names it in errors. */
static int history_exec(PGconn *conn, const struct history_table *ht, const char *fmt, int nparams,
			const char *const *params, const char *what, struct pgs_error *err)
{
	char *q = history_qualified_name(conn, ht, err);
	char *sql;
	long rc;

	if (!q)
		return -1;
	sql = xasprintf(fmt, q);
	rc = db_exec_params(conn, sql, nparams, params, what, err);
	free(sql);
	free(q);
	return rc < 0 ? -1 : 0;
}

int history_accept_edit(PGconn *conn, const struct history_table *ht, const char *name, const char *old_checksum,
			const char *new_checksum, const char *who, struct pgs_error *err)
{
	const char *params[4] = { name, old_checksum, new_checksum, who };
	char *q = history_qualified_name(conn, ht, err);
	char *sql = NULL;
	long n;
	int rc = -1;

	if (!q)
		return -1;
	if (db_exec(conn, "BEGIN", "could not start a transaction", err) < 0)
		goto out;
	sql = xasprintf("UPDATE %s SET checksum = $3, logs = concat_ws(E'\\n', logs, "
			"format('edit accepted by %%s (database role %%s) at %%s; the checksum was %%s', $4::text, "
			"current_user, " TS("clock_timestamp()") ", checksum)) "
			"WHERE migration_name = $1 AND checksum = $2 AND finished_at IS NOT NULL AND rolled_back_at IS NULL",
			q);
	n = db_exec_params(conn, sql, 4, params, "could not record the accepted edit", err);
	if (n < 0)
		goto rollback;
	if (n != 1) {
		err_set(err, EXIT_HISTORY, "%s has no applied row with checksum %s in %s", name, old_checksum, q);
		err_hint(err, "another session changed the history meanwhile; run \"pgshift status\" again");
		goto rollback;
	}
	free(sql);
	sql = xasprintf("UPDATE %s SET checksum = $3 WHERE migration_name = $1 AND checksum = $2", q);
	if (db_exec_params(conn, sql, 3, params, "could not record the accepted edit", err) < 0)
		goto rollback;
	rc = db_exec(conn, "COMMIT", "could not commit", err);
	goto out;
rollback:
	db_rollback(conn);
out:
	free(sql);
	free(q);
	return rc;
}

static int history_start_row(PGconn *conn, const struct history_table *ht, const char *name, const char *checksum,
		      const char *review, char id_out[37], struct pgs_error *err)
{
	const char *params[5] = { id_out, checksum, name, PGSHIFT_VERSION, review };

	uuid_v4(id_out);
	if (ht->prisma)
		return history_exec(conn, ht,
				    "INSERT INTO %s (id, checksum, migration_name, started_at, applied_steps_count) "
				    "VALUES ($1, $2, $3, now(), 0)",
				    3, params, "could not record the start of the migration", err);
	return history_exec(conn, ht,
			    "INSERT INTO %s (id, checksum, migration_name, started_at, applied_steps_count, "
			    "pgshift_version, review) VALUES ($1, $2, $3, now(), 0, $4, $5)",
			    5, params, "could not record the start of the migration", err);
}

static int history_restart_row(PGconn *conn, const struct history_table *ht, const char *id, const char *checksum,
			struct pgs_error *err)
{
	const char *params[2] = { id, checksum };

	return history_exec(conn, ht, "UPDATE %s SET checksum = $2, logs = NULL WHERE id = $1", 2, params,
			    "could not record the resumed migration", err);
}

static int history_set_steps(PGconn *conn, const struct history_table *ht, const char *id, int steps,
		      struct pgs_error *err)
{
	char n[16];
	const char *params[2] = { id, n };

	snprintf(n, sizeof(n), "%d", steps);
	return history_exec(conn, ht, "UPDATE %s SET applied_steps_count = $2::int WHERE id = $1", 2, params,
			    "could not record the step", err);
}

static int history_fail_row(PGconn *conn, const struct history_table *ht, const char *id, const char *logs,
		     struct pgs_error *err)
{
	const char *params[2] = { id, logs };

	return history_exec(conn, ht, "UPDATE %s SET logs = $2 WHERE id = $1", 2, params,
			    "could not record the failure", err);
}

static int history_finish_row(PGconn *conn, const struct history_table *ht, const char *id, struct pgs_error *err)
{
	const char *params[1] = { id };

	/* Prisma counts a finished migration as one step; native mode keeps the statements done. */
	return history_exec(conn, ht,
			    ht->prisma ? "UPDATE %s SET finished_at = clock_timestamp(), applied_steps_count = 1 "
					 "WHERE id = $1"
				       : "UPDATE %s SET finished_at = clock_timestamp() WHERE id = $1",
			    1, params, "could not record the end of the migration", err);
}

int history_run_begin(PGconn *conn, const struct history_table *ht, const char *name, const char *checksum,
		      const char *review, const char *resume_id, struct history_run *r, struct pgs_error *err)
{
	r->ht = ht;
	r->id[0] = '\0';
	if (!ht)
		return 0;
	if (resume_id) {
		snprintf(r->id, sizeof(r->id), "%s", resume_id);
		return history_restart_row(conn, ht, r->id, checksum, err);
	}
	return history_start_row(conn, ht, name, checksum, review, r->id, err);
}

int history_run_step(PGconn *conn, const struct history_run *r, int steps, struct pgs_error *err)
{
	return r->ht ? history_set_steps(conn, r->ht, r->id, steps, err) : 0;
}

int history_run_finish(PGconn *conn, const struct history_run *r, struct pgs_error *err)
{
	return r->ht ? history_finish_row(conn, r->ht, r->id, err) : 0;
}

void history_run_fail(PGconn *conn, const struct history_run *r, const char *logs)
{
	struct pgs_error ignore = PGS_ERROR_INIT;

	if (r->ht && db_connected(conn) && history_fail_row(conn, r->ht, r->id, logs, &ignore) < 0)
		err_clear(&ignore);
}

int history_record_failed_attempt(PGconn *conn, const struct history_table *ht, const char *name,
				  const char *checksum, double duration_ms, const struct pgs_error *why,
				  struct pgs_error *err)
{
	char id[37], secs[32];
	struct buf logs = BUF_INIT;
	const char *params[5] = { id, checksum, name, NULL, secs };
	int rc;

	if (!ht->prisma || !db_connected(conn))
		return 0;
	buf_addf(&logs, "pgshift: %s", why->message ? why->message : "failed");
	if (why->detail)
		buf_addf(&logs, "\n%s", why->detail);
	buf_adds(&logs, "\nThe migration ran in a transaction that was rolled back: nothing of it was applied.");
	params[3] = logs.data;
	uuid_v4(id);
	snprintf(secs, sizeof(secs), "%.3f", duration_ms > 0 ? duration_ms / 1000.0 : 0.0);
	rc = history_exec(conn, ht,
			  "INSERT INTO %s (id, checksum, migration_name, logs, started_at, rolled_back_at, "
			  "applied_steps_count) VALUES ($1, $2, $3, $4, clock_timestamp() - make_interval(secs => $5), "
			  "clock_timestamp(), 0)",
			  5, params, "could not record the failed attempt", err);
	buf_release(&logs);
	return rc;
}

const char *deployments_schema(const struct history_table *ht)
{
	/* Prisma's drift check (migrate dev) sees every table of its schema: ours go elsewhere */
	return ht->prisma ? "pgshift" : ht->schema;
}

char *deployments_qualified_name(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	char *s = db_quote_ident(conn, deployments_schema(ht), "the history schema (--history-schema)", err);
	char *r = s ? xasprintf("%s.pgshift_deployments", s) : NULL;

	free(s);
	return r;
}

/* Runs one statement on the deployments table (fmt has one %s for it); a result row's first value in *value. */
static int deployments_exec(PGconn *conn, const struct history_table *ht, const char *fmt, int nparams,
			    const char *const *params, char **value, const char *what, struct pgs_error *err)
{
	char *t = deployments_qualified_name(conn, ht, err);
	char *sql;
	PGresult *res;
	int rc = 0;

	if (!t)
		return -1;
	sql = xasprintf(fmt, t);
	res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = db_result_error(conn, res, what, err);
	else if (value && PQntuples(res) > 0)
		*value = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	free(sql);
	free(t);
	return rc;
}

int deployments_ensure(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	char *q = db_quote_ident(conn, deployments_schema(ht), "the history schema (--history-schema)", err);
	char *t = q ? xasprintf("%s.pgshift_deployments", q) : NULL;
	char *sql, *mkschema;
	int rc = t ? schema_exists(conn, deployments_schema(ht), err) : -1;

	if (rc < 0) {
		free(q);
		free(t);
		return -1;
	}
	mkschema = rc ? xstrdup("") : xasprintf("CREATE SCHEMA IF NOT EXISTS %s;\n", q);
	/*
	 * In native mode history_ensure made the schema (deploy ensured it first);
	 * CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when it exists.
	 * No CHECK constraint: Prisma's schema engine (6.19) panics introspecting one.
	 */
	sql = xasprintf("SET client_min_messages = warning;\n"
			"%s"
			"CREATE TABLE IF NOT EXISTS %s (\n"
			"    id              BIGSERIAL PRIMARY KEY,\n"
			"    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
			"    finished_at     TIMESTAMPTZ,\n"
			"    git_commit      TEXT,\n"
			"    applied         INTEGER,\n"
			"    deployed_by     TEXT NOT NULL DEFAULT current_user,\n"
			"    pgshift_version TEXT,\n"
			"    hook_status     TEXT,\n"
			"    hook_attempts   INTEGER NOT NULL DEFAULT 0,\n"
			"    hook_http_status INTEGER,\n"
			"    hook_error      TEXT,\n"
			"    hook_at         TIMESTAMPTZ\n"
			");\n"
			"RESET client_min_messages",
			mkschema, t);
	rc = db_exec(conn, sql, "could not create the deployments table", err);
	if (rc < 0)
		err_hint(err, "the migration role needs CREATE on schema \"%s\"%s", deployments_schema(ht),
			 ht->prisma ? " (or CREATE on the database, to make it)" : "; or choose another with --history-schema");
	free(sql);
	free(mkschema);
	free(q);
	free(t);
	return rc;
}

int deployments_start(PGconn *conn, const struct history_table *ht, const char *git_commit, char **id,
		      struct pgs_error *err)
{
	const char *params[2] = { git_commit, PGSHIFT_VERSION };

	*id = NULL;
	if (deployments_exec(conn, ht, "INSERT INTO %s (git_commit, pgshift_version) VALUES ($1, $2) RETURNING id", 2,
			     params, id, "could not record the deployment", err) < 0)
		return -1;
	return *id ? 0 : err_set(err, EXIT_FAILURE_, "could not record the deployment: no id returned");
}

int deployments_finish(PGconn *conn, const struct history_table *ht, const char *id, int applied,
		       bool hook_pending, struct pgs_error *err)
{
	char n[16];
	const char *params[3] = { id, n, hook_pending ? "pending" : NULL };

	snprintf(n, sizeof(n), "%d", applied);
	return deployments_exec(conn, ht,
				"UPDATE %s SET finished_at = clock_timestamp(), applied = $2::int, hook_status = $3 "
				"WHERE id = $1::bigint",
				3, params, NULL, "could not record the end of the deployment", err);
}

int deployments_record_hook(PGconn *conn, const struct history_table *ht, const char *id, bool delivered,
			    int attempts, long http_status, const char *error, struct pgs_error *err)
{
	char n[16], status[24];
	const char *params[5] = { id, delivered ? "delivered" : "failed", n, delivered ? NULL : error,
				  http_status ? status : NULL };

	snprintf(n, sizeof(n), "%d", attempts);
	snprintf(status, sizeof(status), "%ld", http_status);
	return deployments_exec(conn, ht,
				"UPDATE %s SET hook_status = $2, hook_attempts = hook_attempts + $3::int, "
				"hook_error = $4, hook_http_status = $5::int, hook_at = clock_timestamp() "
				"WHERE id = $1::bigint",
				5, params, NULL, "could not record the deploy hook's delivery", err);
}

/* Reads the one deployment the query (one %s for the table) picks. */
static int deployments_pick(PGconn *conn, const struct history_table *ht, const char *where_order,
			    struct deployment *out, struct pgs_error *err)
{
	char *t = deployments_qualified_name(conn, ht, err);
	char *sql;
	PGresult *res;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!t)
		return -1;
	sql = xasprintf("SELECT id, " TS("started_at") ", " TS("finished_at") ", git_commit, applied, hook_status, "
			"hook_attempts, hook_error, coalesce(hook_http_status, 0) FROM %s %s LIMIT 1", t, where_order);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && (!strcmp(state, "42P01") || !strcmp(state, "3F000")))
			rc = 0;	/* no table (or schema): no deployment recorded */
		else
			rc = db_result_error(conn, res, "could not read the deployments table", err);
	} else if (PQntuples(res) == 1) {
		out->id = dup_or_null(res, 0, 0);
		out->started_at = dup_or_null(res, 0, 1);
		out->finished_at = dup_or_null(res, 0, 2);
		out->git_commit = dup_or_null(res, 0, 3);
		out->applied = atoi(PQgetvalue(res, 0, 4));
		out->hook_status = dup_or_null(res, 0, 5);
		out->hook_attempts = atoi(PQgetvalue(res, 0, 6));
		out->hook_error = dup_or_null(res, 0, 7);
		out->hook_http_status = atol(PQgetvalue(res, 0, 8));
		rc = 1;
	}
	PQclear(res);
	free(sql);
	free(t);
	return rc;
}

int deployments_last_hook(PGconn *conn, const struct history_table *ht, struct deployment *out,
			  struct pgs_error *err)
{
	return deployments_pick(conn, ht, "WHERE finished_at IS NOT NULL ORDER BY hook_status IS NOT NULL DESC, id DESC",
				out, err);
}

int deployments_last_commit(PGconn *conn, const struct history_table *ht, struct deployment *out,
			    struct pgs_error *err)
{
	return deployments_pick(conn, ht, "WHERE finished_at IS NOT NULL AND git_commit IS NOT NULL ORDER BY id DESC",
				out, err);
}

void deployment_free(struct deployment *d)
{
	free(d->id);
	free(d->started_at);
	free(d->finished_at);
	free(d->git_commit);
	free(d->hook_status);
	free(d->hook_error);
	memset(d, 0, sizeof(*d));
}
