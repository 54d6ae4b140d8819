/*
 * conn: libpq connection, statement execution and the deploy lock.
 */
#include "db/conn.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"

/* Keeps libpq's multi-line messages on one line: "FATAL:  x\nDETAIL: y" -> "FATAL:  x; DETAIL: y". */
static char *one_line(const char *msg)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (msg[i] == '\n')
			buf_adds(&b, "; ");
		else
			buf_addc(&b, msg[i]);
	}
	return buf_detach(&b);
}

static void connect_hint(const struct target *t, const char *msg, struct pgs_error *err)
{
	if (strstr(msg, "password authentication failed") || strstr(msg, "no password supplied") ||
	    strstr(msg, "authentication failed"))
		err_hint(err, "check the user and password in %s", t->source);
	else if (strstr(msg, "does not exist") && strstr(msg, "database"))
		err_hint(err, "create the database (createdb %s) or fix the database name in %s",
			 *t->dbname ? t->dbname : "NAME", t->source);
	else if (strstr(msg, "timeout expired"))
		err_hint(err, "the server did not answer in time: check the host and port in %s, the network, "
			      "or raise --connect-timeout", t->source);
	else if (strstr(msg, "Connection refused") || strstr(msg, "No such file or directory"))
		err_hint(err, "is PostgreSQL running and accepting connections at that address? "
			      "check the host and port in %s", t->source);
	else if (strstr(msg, "could not translate host name"))
		err_hint(err, "check the host name in %s", t->source);
	else if (strstr(msg, "does not match host name"))
		err_hint(err, "the server's certificate was issued for another name: connect with the host name it "
			      "names, or use sslmode=verify-ca in %s to check only who signed it", t->source);
	else if (strstr(msg, "certificate verify failed"))
		err_hint(err, "the server's certificate is not signed by a CA trusted here: set sslrootcert in %s "
			      "to the file of the CA that signed it (your provider publishes it)", t->source);
	else if (strstr(msg, "root certificate file"))
		err_hint(err, "fix the sslrootcert path in %s, or use sslmode=require to encrypt without checking "
			      "the certificate", t->source);
	else if (strstr(msg, "SSL") || strstr(msg, "ssl"))
		err_hint(err, "the server may not offer TLS; for a trusted network pass --insecure or set "
			      "sslmode in the URL");
	else
		err_hint(err, "check the connection URL in %s", t->source);
}

void (*db_notice_hook)(const char *severity, const char *message);

static void notice_receiver(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	if (db_notice_hook && msg)
		db_notice_hook(sev ? sev : "NOTICE", msg);
}

void db_close(PGconn *conn)
{
	if (conn)
		PQfinish(conn);
}

bool db_connected(PGconn *conn)
{
	return conn && PQstatus(conn) == CONNECTION_OK;
}

const char *db_error_message(PGconn *conn)
{
	return PQerrorMessage(conn);
}

PGconn *db_connect(const struct target *t, struct pgs_error *err)
{
	return db_connect_dbname(t, NULL, err);
}

PGconn *db_connect_dbname(const struct target *t, const char *dbname, struct pgs_error *err)
{
	const char *keys[8], *vals[8];
	int n = 0;
	PGconn *conn;

	keys[n] = "dbname";
	vals[n++] = t->conninfo;
	if (dbname) {
		/* expand_dbname: a later dbname overrides the one inside the connection string */
		keys[n] = "dbname";
		vals[n++] = dbname;
	}
	keys[n] = "application_name";
	vals[n++] = "pgshift";
	if (t->sslmode) {
		keys[n] = "sslmode";
		vals[n++] = t->sslmode;
	}
	if (t->connect_timeout) {
		keys[n] = "connect_timeout";
		vals[n++] = t->connect_timeout;
	}
	keys[n] = NULL;
	vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (!conn) {
		err_set(err, EXIT_FAILURE_, "could not connect to %s: out of memory", t->display);
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		char *msg = one_line(PQerrorMessage(conn));

		if (dbname)
			err_set(err, EXIT_FAILURE_, "could not connect to database \"%s\" on the server of %s (from %s): %s",
				dbname, t->display, t->source, msg);
		else
			err_set(err, EXIT_FAILURE_, "could not connect to %s (from %s): %s", t->display, t->source, msg);
		connect_hint(t, msg, err);
		free(msg);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeReceiver(conn, notice_receiver, NULL);
	return conn;
}

int db_server_addr(PGconn *conn, char **addr, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "SELECT host(inet_server_addr())");

	*addr = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_result_error(conn, res, "could not ask the server which address it was reached on", err);
		PQclear(res);
		return -1;
	}
	if (!PQgetisnull(res, 0, 0))
		*addr = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int db_server_version(PGconn *conn)
{
	return PQserverVersion(conn);
}

void db_watch_client(PGconn *conn)
{
	if (PQserverVersion(conn) >= 140000)
		PQclear(PQexec(conn, "SET client_connection_check_interval = '1s'"));
}

int db_result_error(PGconn *conn, const PGresult *res, const char *what, struct pgs_error *err)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	char *fallback = NULL;

	if (!msg)
		msg = fallback = one_line(PQerrorMessage(conn));
	err_set(err, EXIT_FAILURE_, "%s: %s", what, msg);
	if (detail && state)
		err_detail(err, "%s (SQLSTATE %s)", detail, state);
	else if (state)
		err_detail(err, "SQLSTATE %s", state);
	if (hint)
		err_hint(err, "%s", hint);
	free(fallback);
	return -1;
}

/* The rows a statement's result res affected, or -1 with err when it failed; clears res. */
static long result_rows(PGconn *conn, PGresult *res, const char *what, struct pgs_error *err)
{
	ExecStatusType st = PQresultStatus(res);
	long n;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		db_result_error(conn, res, what, err);
		PQclear(res);
		return -1;
	}
	n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}

int db_exec(PGconn *conn, const char *sql, const char *what, struct pgs_error *err)
{
	return result_rows(conn, PQexec(conn, sql), what, err) < 0 ? -1 : 0;
}

long db_exec_params(PGconn *conn, const char *sql, int nparams, const char *const *params, const char *what,
		    struct pgs_error *err)
{
	return result_rows(conn, PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0), what, err);
}

void db_rollback(PGconn *conn)
{
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
}

static char *dup_field(const PGresult *res, int field)
{
	const char *v = res ? PQresultErrorField(res, field) : NULL;
	return v ? xstrdup(v) : NULL;
}

int db_exec_script_stmt(PGconn *conn, const char *sql, struct sql_failure *f)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	const char *state, *pos;

	memset(f, 0, sizeof(*f));
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
		PQclear(res);
		return 0;
	}
	if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
		/* COPY ... FROM STDIN has no data in a migration file: end it as an error. */
		if (st == PGRES_COPY_IN)
			PQputCopyEnd(conn, "COPY from stdin is not supported in migrations");
		PQclear(res);
		while ((res = PQgetResult(conn))) {
			if (PQresultStatus(res) == PGRES_FATAL_ERROR && !f->message) {
				f->message = dup_field(res, PG_DIAG_MESSAGE_PRIMARY);
				state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
				if (state)
					strncpy(f->sqlstate, state, 5);
			}
			PQclear(res);
		}
		if (!f->message)
			f->message = xstrdup("COPY to or from the client cannot run in a migration");
		f->hint = xstrdup("load data with INSERT, or with COPY from a server-side file");
		return -1;
	}
	f->message = dup_field(res, PG_DIAG_MESSAGE_PRIMARY);
	if (!f->message)
		f->message = one_line(PQerrorMessage(conn));
	f->detail = dup_field(res, PG_DIAG_MESSAGE_DETAIL);
	f->hint = dup_field(res, PG_DIAG_MESSAGE_HINT);
	f->context = dup_field(res, PG_DIAG_CONTEXT);
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state)
		strncpy(f->sqlstate, state, 5);
	pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	f->position = pos ? atoi(pos) : 0;
	PQclear(res);
	return -1;
}

void sql_failure_free(struct sql_failure *f)
{
	free(f->message);
	free(f->detail);
	free(f->hint);
	free(f->context);
	memset(f, 0, sizeof(*f));
}

int db_lock_holder(PGconn *conn, long long key, struct buf *out)
{
	char k1[16], k2[16];
	const char *params[2] = { k1, k2 };
	PGresult *res;
	int rc;

	snprintf(k1, sizeof(k1), "%u", (unsigned)((unsigned long long)key >> 32));
	snprintf(k2, sizeof(k2), "%u", (unsigned)((unsigned long long)key & 0xFFFFFFFFu));
	res = PQexecParams(conn,
			   "SELECT a.pid, coalesce(a.application_name, ''), "
			   "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '?'), "
			   "coalesce(a.client_addr::text, 'local socket'), coalesce(a.usename::text, '') "
			   "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
			   "WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() "
			   "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
			   "AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1 LIMIT 1",
			   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = -1;
	} else if (PQntuples(res) == 1) {
		buf_addf(out, "pid %s (application_name \"%s\", user %s, from %s), connected since %s",
			 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 3),
			 PQgetvalue(res, 0, 2));
		rc = 1;
	} else {
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/* Appends who holds the advisory lock to out, or that nobody could be named. */
static void describe_holder(PGconn *conn, long long key, struct buf *out)
{
	if (db_lock_holder(conn, key, out) <= 0)
		buf_adds(out, "a session that could not be identified (it may have just released it)");
}

/* pg_try_advisory_lock: 1 taken, 0 held by another session, -1 error. */
static int try_lock(PGconn *conn, const char *keystr, struct pgs_error *err)
{
	const char *params[1] = { keystr };
	PGresult *res = PQexecParams(conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params, NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not take the deploy lock", err);
		PQclear(res);
		return -1;
	}
	rc = !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return rc;
}

/* pg_advisory_lock under lock_timeout = wait_ms: 1 taken, 0 timed out, -1 error. */
static int wait_lock(PGconn *conn, const char *keystr, long wait_ms, struct pgs_error *err)
{
	char timeout[32];
	const char *tp[1] = { timeout };
	const char *params[1] = { keystr };
	PGresult *res;
	int rc = 1;

	snprintf(timeout, sizeof(timeout), "%ld", wait_ms);
	res = PQexecParams(conn, "SELECT set_config('lock_timeout', $1, false)", 1, NULL, tp, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not set lock_timeout", err);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	res = PQexecParams(conn, "SELECT pg_advisory_lock($1::bigint)", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (!state || strcmp(state, "55P03")) {
			db_result_error(conn, res, "could not take the deploy lock", err);
			PQclear(res);
			return -1;
		}
		rc = 0;
	}
	PQclear(res);
	PQclear(PQexec(conn, "RESET lock_timeout"));
	return rc;
}

int db_lock(PGconn *conn, long long key, long wait_ms, db_lock_wait_fn on_wait, void *arg, struct pgs_error *err)
{
	char keystr[32];
	struct buf who = BUF_INIT;
	int got;

	snprintf(keystr, sizeof(keystr), "%lld", key);
	got = try_lock(conn, keystr, err);
	if (got == 0 && wait_ms > 0) {
		if (on_wait) {
			describe_holder(conn, key, &who);
			on_wait(who.data, wait_ms, arg);
			buf_reset(&who);
		}
		got = wait_lock(conn, keystr, wait_ms, err);
	}
	if (got != 0) {
		buf_release(&who);
		return got > 0 ? 0 : -1;
	}
	err_set(err, EXIT_LOCK, "another deploy (pgshift, or prisma migrate on _prisma_migrations) holds the migration "
		"lock (advisory lock %lld); gave up after %.1f s", key, wait_ms / 1000.0);
	describe_holder(conn, key, &who);
	err_detail(err, "held by %s", who.data);
	err_hint(err, "wait for it to finish and run again, or raise --lock-wait");
	buf_release(&who);
	return -1;
}

int db_unlock(PGconn *conn, long long key, struct pgs_error *err)
{
	char keystr[32];
	const char *params[1] = { keystr };
	PGresult *res;

	snprintf(keystr, sizeof(keystr), "%lld", key);
	res = PQexecParams(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not release the deploy lock", err);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

char *db_column_type(PGconn *conn, const char *schema, const char *table, const char *column)
{
	const char *params[3] = { schema && *schema ? schema : NULL, table, column };
	PGresult *res = PQexecParams(conn,
				     "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
				     "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
				     "WHERE c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped "
				     "AND (n.nspname = $1 OR ($1 IS NULL AND pg_table_is_visible(c.oid))) LIMIT 1",
				     3, NULL, params, NULL, NULL, 0);
	char *type = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		type = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return type;
}

bool db_not_null_proved(PGconn *conn, const char *schema, const char *table, const char *column)
{
	const char *params[3] = { schema && *schema ? schema : NULL, table, column };
	PGresult *res = PQexecParams(conn,
				     "SELECT 1 FROM pg_attribute a "
				     "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
				     "WHERE c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped "
				     "AND (n.nspname = $1 OR ($1 IS NULL AND pg_table_is_visible(c.oid))) "
				     "AND (a.attnotnull OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid "
				     "AND k.contype = 'c' AND k.convalidated AND pg_get_constraintdef(k.oid) = "
				     "format('CHECK ((%s IS NOT NULL))', quote_ident(a.attname)))) LIMIT 1",
				     3, NULL, params, NULL, NULL, 0);
	bool proved = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

	PQclear(res);
	return proved;
}

/*
 * Sessions that held a lock on the relation since before the wait began
 * (their transaction is at least waited_ms old), then, through
 * pg_blocking_pids, whoever blocks them in turn, down to the sessions that
 * wait for nobody: those are the ones to end or wait out.  A short
 * application transaction that took its lock after pgshift gave up is not
 * old enough to be named.
 */
int db_lock_blockers(PGconn *conn, const char *schema, const char *relation, long waited_ms,
		     struct lock_blocker **out, size_t *n)
{
	char waited[32];
	const char *params[3] = { relation, waited, schema && *schema ? schema : NULL };
	PGresult *res;

	*out = NULL;
	*n = 0;
	snprintf(waited, sizeof(waited), "%ld", waited_ms);
	res = PQexecParams(conn,
			   "WITH RECURSIVE chain(pid, depth) AS ("
			   " SELECT DISTINCT l.pid, 0 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
			   " WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()"
			   " AND l.relation = (SELECT c.oid FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
			   "  WHERE c.relname = $1 AND (s.nspname = $3 OR ($3 IS NULL AND pg_table_is_visible(c.oid))))"
			   " AND a.xact_start <= clock_timestamp() - make_interval(secs => $2::float8 / 1000)"
			   " UNION"
			   " SELECT b, c.depth + 1 FROM chain c, unnest(pg_blocking_pids(c.pid)) b WHERE c.depth < 16)"
			   "SELECT DISTINCT a.pid, a.pid || '@' || a.backend_start, coalesce(a.application_name, ''),"
			   " coalesce(to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '?'),"
			   " coalesce(a.state, '?'), coalesce(a.query, '')"
			   " FROM chain c JOIN pg_stat_activity a ON a.pid = c.pid"
			   " WHERE c.pid <> pg_backend_pid() AND cardinality(pg_blocking_pids(c.pid)) = 0 ORDER BY a.pid",
			   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n + 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct lock_blocker *b = &(*out)[i];

		b->pid = atol(PQgetvalue(res, (int)i, 0));
		b->key = xstrdup(PQgetvalue(res, (int)i, 1));
		b->application_name = xstrdup(PQgetvalue(res, (int)i, 2));
		b->query_start = xstrdup(PQgetvalue(res, (int)i, 3));
		b->state = xstrdup(PQgetvalue(res, (int)i, 4));
		b->query = xstrdup(PQgetvalue(res, (int)i, 5));
	}
	PQclear(res);
	return 0;
}

void db_lock_blockers_free(struct lock_blocker *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++) {
		free(b[i].key);
		free(b[i].application_name);
		free(b[i].query_start);
		free(b[i].state);
		free(b[i].query);
	}
	free(b);
}

char *db_foreign_key(PGconn *conn, const char *schema1, const char *table1, const char *schema2, const char *table2)
{
	const char *params[4] = { schema1, table1, schema2, table2 };
	PGresult *res = PQexecParams(conn,
				     "SELECT k.conname || ' (' || a.relname || ' references ' || b.relname || ')' "
				     "FROM pg_constraint k "
				     "JOIN pg_class a ON a.oid = k.conrelid JOIN pg_namespace an ON an.oid = a.relnamespace "
				     "JOIN pg_class b ON b.oid = k.confrelid JOIN pg_namespace bn ON bn.oid = b.relnamespace "
				     "WHERE k.contype = 'f' AND ("
				     "(a.relname = $2 AND an.nspname = coalesce($1, an.nspname) AND "
				     " b.relname = $4 AND bn.nspname = coalesce($3, bn.nspname)) OR "
				     "(a.relname = $4 AND an.nspname = coalesce($3, an.nspname) AND "
				     " b.relname = $2 AND bn.nspname = coalesce($1, bn.nspname))) "
				     "ORDER BY k.conname LIMIT 1",
				     4, NULL, params, NULL, NULL, 0);
	char *fk = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		fk = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return fk;
}

long db_deadlock_timeout_ms(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT setting::bigint FROM pg_settings WHERE name = 'deadlock_timeout'");
	long ms = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		ms = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return ms;
}

static long backend_pid(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT pg_backend_pid()");
	long pid = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		pid = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return pid;
}

/* seen: the pooler showed itself by its behaviour, which --allow-pooled cannot wave through. */
static int pooled_error(const struct target *t, const char *why, bool seen, bool allow_pooled, struct pgs_error *err)
{
	err_set(err, EXIT_FAILURE_, "%s (from %s) goes through a transaction pooler: %s", t->display, t->source, why);
	if (seen && allow_pooled)
		err_detail(err, "--allow-pooled is for a session-mode pool that only its host name makes suspect; this "
				"connection switched server backends, so the deploy's session advisory lock and settings "
				"would not hold");
	else
		err_detail(err, "migrations hold a session advisory lock and session settings, which a transaction "
				"pooler does not keep between transactions");
	err_hint(err, seen ? "use the direct connection: set DATABASE_URL_UNPOOLED (or point --url at the server, "
			     "not at the pooler)"
			   : "use the direct connection: set DATABASE_URL_UNPOOLED (on Neon, the host without "
			     "\"-pooler\"); for a session-mode pool, pass --allow-pooled");
	return -1;
}

int db_check_not_pooled(PGconn *conn, const struct target *t, bool allow_pooled, struct pgs_error *err)
{
	struct pgs_error ignore = PGS_ERROR_INIT;
	PGconn *other;
	long a1, a2, b;

	if (!allow_pooled && strstr(t->host, "-pooler"))
		return pooled_error(t, "its host name says so (\"-pooler\")", false, false, err);
	a1 = backend_pid(conn);
	other = db_connect(t, &ignore);
	err_clear(&ignore);
	if (!other)
		return 0;	/* cannot tell; the deploy's own connection works */
	b = backend_pid(other);
	a2 = backend_pid(conn);
	PQfinish(other);
	if (a1 > 0 && a1 == b)
		return pooled_error(t, "two connections were served by the same server backend", true, allow_pooled,
				    err);
	if (a1 > 0 && a2 > 0 && a1 != a2)
		return pooled_error(t, "the server backend changed between two transactions", true, allow_pooled, err);
	return 0;
}
