/*
 * backfill: keys, progress table and one batch.
 */
#include "db/backfill.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/quote.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/exitcodes.h"

char *bf_resolve_table(PGconn *conn, const char *name, struct pgs_error *err)
{
	const char *params[1] = { name };
	PGresult *res = PQexecParams(conn, "SELECT to_regclass($1)::text", 1, NULL, params, NULL, NULL, 0);
	char *table = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && !PQgetisnull(res, 0, 0))
		table = xstrdup(PQgetvalue(res, 0, 0));
	else
		err_set(err, EXIT_USAGE, "table \"%s\" does not exist", name);
	PQclear(res);
	return table;
}

int bf_find_key(PGconn *conn, const char *table, struct bf_key *key, struct pgs_error *err)
{
	const char *params[1] = { table };
	/* the primary key first, else the first unique index whose columns are all NOT NULL (no expressions, no predicate) */
	PGresult *res = PQexecParams(conn,
				     "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod) "
				     "FROM (SELECT i.indexrelid, i.indrelid, i.indkey FROM pg_index i "
				     "      WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL "
				     "        AND i.indexprs IS NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute x "
				     "          WHERE x.attrelid = i.indrelid AND x.attnum = ANY (i.indkey) AND NOT x.attnotnull) "
				     "      ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid LIMIT 1) k "
				     "CROSS JOIN LATERAL unnest(k.indkey::int2[]) WITH ORDINALITY AS u(attnum, ord) "
				     "JOIN pg_attribute a ON a.attrelid = k.indrelid AND a.attnum = u.attnum ORDER BY u.ord",
				     1, NULL, params, NULL, NULL, 0);

	memset(key, 0, sizeof(*key));
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not read the table's keys", err);
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		err_set(err, EXIT_FAILURE_, "table %s has no primary key or unique index on NOT NULL columns", table);
		err_hint(err, "backfill walks the table in key order so that it can stop and resume; add a primary key first");
		return -1;
	}
	key->n = PQntuples(res);
	key->cols = xcalloc((size_t)key->n, sizeof(char *));
	key->types = xcalloc((size_t)key->n, sizeof(char *));
	for (int i = 0; i < key->n; i++) {
		key->cols[i] = xstrdup(PQgetvalue(res, i, 0));
		key->types[i] = xstrdup(PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return 0;
}

void bf_key_free(struct bf_key *key)
{
	for (int i = 0; i < key->n; i++) {
		free(key->cols[i]);
		free(key->types[i]);
	}
	free(key->cols);
	free(key->types);
	memset(key, 0, sizeof(*key));
}

long long bf_estimate(PGconn *conn, const char *table, bool exact, const char *where, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	const char *params[1] = { table };
	PGresult *res;
	long long n = -1;

	if (exact) {
		buf_addf(&sql, "SELECT count(*) FROM %s%s%s%s", table, where ? " WHERE (" : "", where ? where : "",
			 where ? ")" : "");
		res = PQexec(conn, sql.data);
	} else {
		res = PQexecParams(conn, "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass",
				   1, NULL, params, NULL, NULL, 0);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		db_result_error(conn, res, "could not estimate the rows", err);
	else
		n = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	buf_release(&sql);
	/* a table never analyzed has no estimate: count it */
	if (n == 0 && !exact)
		return bf_estimate(conn, table, true, where, err);
	return n;
}

/*
 * "schema".pgshift_backfills, quoted, in schema (NULL: where it belongs,
 * deployments_schema: beside the history table, but outside Prisma's schema,
 * whose every table Prisma's drift check reports).  New string, or NULL with
 * err when the schema cannot be quoted.
 */
static char *progress_table_in(PGconn *conn, const struct history_table *ht, const char *schema, struct pgs_error *err)
{
	char *s = db_quote_ident(conn, schema ? schema : deployments_schema(ht), "the history schema (--history-schema)",
				 err);
	char *r = s ? xasprintf("%s.pgshift_backfills", s) : NULL;

	free(s);
	return r;
}

static char *progress_table(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	return progress_table_in(conn, ht, NULL, err);
}

/*
 * A Prisma project's progress table was in the history schema before it
 * moved to pgshift's own: its rows move to the new table (a backfill stopped
 * half-way before the upgrade resumes), in one transaction, and the old
 * table goes when nothing is left in it (a name the new table has already
 * keeps its old row, and so the old table).
 */
static int move_old_progress(PGconn *conn, const char *old, const char *t, struct pgs_error *err)
{
	char *move = xasprintf("WITH moved AS (DELETE FROM %s o WHERE NOT EXISTS (SELECT FROM %s n WHERE n.name = o.name) "
			       "RETURNING o.*) INSERT INTO %s (name, table_name, set_expr, where_expr, last_key, "
			       "rows_done, started_at, updated_at, finished_at) SELECT name, table_name, set_expr, "
			       "where_expr, last_key, rows_done, started_at, updated_at, finished_at FROM moved",
			       old, t, t);
	char *left = xasprintf("SELECT EXISTS (SELECT FROM %s)", old);
	char *drop = xasprintf("DROP TABLE %s", old);
	PGresult *res = NULL;
	int rc = -1;

	if (db_exec(conn, "BEGIN", "could not move the backfill progress table", err) < 0)
		goto out;
	if (db_exec(conn, move, "could not move the backfill progress to its new table", err) < 0)
		goto fail;
	res = PQexec(conn, left);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not read the old backfill progress table", err);
		goto fail;
	}
	if (!strcmp(PQgetvalue(res, 0, 0), "f") &&
	    db_exec(conn, drop, "could not drop the old backfill progress table", err) < 0)
		goto fail;
	if (db_exec(conn, "COMMIT", "could not move the backfill progress table", err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	db_rollback(conn);
	err_hint(err, "pgshift moves pgshift_backfills from %s to %s in a Prisma project; the migration role needs to "
		      "own the old table", old, t);
out:
	PQclear(res);
	free(move);
	free(left);
	free(drop);
	return rc;
}

int bf_ensure_table(PGconn *conn, const struct history_table *ht, struct pgs_error *err)
{
	char *t = progress_table(conn, ht, err);
	bool moved = ht->prisma && strcmp(ht->schema, deployments_schema(ht)) != 0;	/* the old place is another */
	char *old = moved && t ? progress_table_in(conn, ht, ht->schema, err) : NULL;
	const char *params[2] = { deployments_schema(ht), old };
	PGresult *res;
	bool has_schema = true, has_old = false;
	char *sql, *mkschema = NULL;
	int rc = -1;

	if (!t || (moved && !old))
		goto out;
	if (ht->prisma) {
		/* CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists */
		res = PQexecParams(conn, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1), "
				   "to_regclass($2) IS NOT NULL", 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			db_result_error(conn, res, "could not look for the backfill progress table", err);
			PQclear(res);
			goto out;
		}
		has_schema = !strcmp(PQgetvalue(res, 0, 0), "t");
		has_old = !strcmp(PQgetvalue(res, 0, 1), "t");
		PQclear(res);
		if (!has_schema) {
			mkschema = db_quote_ident(conn, deployments_schema(ht), "the history schema (--history-schema)", err);
			if (!mkschema)
				goto out;
		}
	}
	sql = xasprintf("SET client_min_messages = warning;\n"
			"%s%s%s"
			"CREATE TABLE IF NOT EXISTS %s (\n"
			"    name        TEXT PRIMARY KEY,\n"
			"    table_name  TEXT NOT NULL,\n"
			"    set_expr    TEXT NOT NULL,\n"
			"    where_expr  TEXT,\n"
			"    last_key    TEXT[],\n"
			"    rows_done   BIGINT NOT NULL DEFAULT 0,\n"
			"    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
			"    updated_at  TIMESTAMPTZ,\n"
			"    finished_at TIMESTAMPTZ\n"
			");\nRESET client_min_messages",
			mkschema ? "CREATE SCHEMA IF NOT EXISTS " : "", mkschema ? mkschema : "", mkschema ? ";\n" : "", t);
	rc = db_exec(conn, sql, "could not create the backfill progress table", err);
	free(sql);
	if (rc < 0 && ht->prisma)
		err_hint(err, "the migration role needs CREATE on schema \"%s\"%s", deployments_schema(ht),
			 has_schema ? "" : " (or CREATE on the database, to make it)");
	if (rc == 0 && has_old)
		rc = move_old_progress(conn, old, t, err);
out:
	free(mkschema);
	free(old);
	free(t);
	return rc;
}

int bf_load(PGconn *conn, const struct history_table *ht, const char *name, const struct bf_key *key,
	    struct bf_state *st, struct pgs_error *err)
{
	char *t = progress_table(conn, ht, err);
	char *sql;
	const char *params[1] = { name };
	PGresult *res;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	st->name = xstrdup(name);
	if (!t)
		return -1;
	sql = xasprintf("SELECT last_key, rows_done, finished_at IS NOT NULL, array_length(last_key, 1), "
			"to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
			"table_name, set_expr, coalesce(where_expr, '') FROM %s WHERE name = $1", t);
	res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = db_result_error(conn, res, "could not read the backfill's progress", err);
	} else if (PQntuples(res) == 1) {
		st->exists = true;
		st->rows_done = atoll(PQgetvalue(res, 0, 1));
		st->finished = !strcmp(PQgetvalue(res, 0, 2), "t");
		st->started_at = xstrdup(PQgetvalue(res, 0, 4));
		if (!PQgetisnull(res, 0, 0) && atoi(PQgetvalue(res, 0, 3)) == key->n) {
			/* unnest the text[] through the server, which knows its quoting rules */
			PGresult *r2;
			char *q = xasprintf("SELECT unnest(last_key) FROM %s WHERE name = $1", t);

			r2 = PQexecParams(conn, q, 1, NULL, params, NULL, NULL, 0);
			free(q);
			if (PQresultStatus(r2) == PGRES_TUPLES_OK && PQntuples(r2) == key->n) {
				st->last = xcalloc((size_t)key->n, sizeof(char *));
				for (int i = 0; i < key->n; i++)
					st->last[i] = xstrdup(PQgetvalue(r2, i, 0));
			}
			PQclear(r2);
		}
	}
	PQclear(res);
	free(sql);
	free(t);
	return rc;
}

int bf_reset(PGconn *conn, const struct history_table *ht, const char *name, const char *table, const char *set,
	     const char *where, struct pgs_error *err)
{
	char *t = progress_table(conn, ht, err);
	char *sql;
	const char *params[4] = { name, table, set, where };
	long rc;

	if (!t)
		return -1;
	sql = xasprintf("INSERT INTO %s (name, table_name, set_expr, where_expr) VALUES ($1, $2, $3, $4) "
			"ON CONFLICT (name) DO UPDATE SET table_name = $2, set_expr = $3, where_expr = $4, "
			"last_key = NULL, rows_done = 0, started_at = now(), updated_at = NULL, finished_at = NULL",
			t);
	rc = db_exec_params(conn, sql, 4, params, "could not record the backfill", err);
	free(sql);
	free(t);
	return rc < 0 ? -1 : 0;
}

void bf_state_free(struct bf_state *st, int nkey)
{
	if (st->last)
		for (int i = 0; i < nkey; i++)
			free(st->last[i]);
	free(st->last);
	free(st->name);
	free(st->started_at);
	memset(st, 0, sizeof(*st));
}

/* "(k1, k2)" with an optional prefix before each column. */
static void add_tuple(struct buf *b, const struct bf_key *key, const char *prefix)
{
	buf_addc(b, '(');
	for (int i = 0; i < key->n; i++)
		buf_addf(b, "%s%s%s", i ? ", " : "", prefix, key->cols[i]);
	buf_addc(b, ')');
}

int bf_batch(PGconn *conn, const struct history_table *ht, const char *table, const char *set, const char *where,
	     const struct bf_key *key, struct bf_state *st, long limit, long lock_timeout_ms, struct bf_batch *out,
	     struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	char begin[128], *t = progress_table(conn, ht, err), *tq = xasprintf("%s.", table);
	const char **params = xcalloc((size_t)key->n + 1, sizeof(char *));
	PGresult *res = NULL;
	double t0 = now_ms();
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!t)
		goto out;
	/*
	 * Asynchronous commit: the batch's row locks go when it commits, not
	 * after its WAL flush.  Safe: progress commits in the same transaction,
	 * so a crash loses a batch and its record together (done again on
	 * resume), and the statements after a backfill commit synchronously.
	 */
	snprintf(begin, sizeof(begin), "BEGIN; SET LOCAL lock_timeout = %ld; SET LOCAL synchronous_commit = off", lock_timeout_ms);
	if (db_exec(conn, begin, "could not start a backfill batch", err) < 0)
		goto out;
	/*
	 * The window: the next `limit` keys in order (a read; keyset, never
	 * OFFSET).  Then one UPDATE of the key range up to the window's last key:
	 * it takes each row's lock as it goes (waiting for the app's, within
	 * lock_timeout; never skipping) and re-checks `where` after a wait, so a
	 * row the app changed meanwhile is left alone.  Locking in a separate
	 * SELECT ... FOR UPDATE first would write every row twice.
	 */
	buf_adds(&sql, "WITH win AS (SELECT ");
	for (int i = 0; i < key->n; i++)
		buf_addf(&sql, "%s%s AS pgshift_k%d", i ? ", " : "", key->cols[i], i);
	buf_addf(&sql, " FROM %s WHERE true", table);
	if (st->last) {
		buf_adds(&sql, " AND ");
		add_tuple(&sql, key, "");
		buf_adds(&sql, " > (");
		for (int i = 0; i < key->n; i++) {
			buf_addf(&sql, "%s$%d::%s", i ? ", " : "", i + 1, key->types[i]);
			params[i] = st->last[i];
		}
		buf_addc(&sql, ')');
	}
	if (where)
		buf_addf(&sql, " AND (%s)", where);
	buf_adds(&sql, " ORDER BY ");
	for (int i = 0; i < key->n; i++)
		buf_addf(&sql, "%s%s", i ? ", " : "", key->cols[i]);
	buf_addf(&sql, " LIMIT %ld), last AS (SELECT * FROM win ORDER BY ", limit);
	for (int i = 0; i < key->n; i++)
		buf_addf(&sql, "%spgshift_k%d DESC", i ? ", " : "", i);
	buf_addf(&sql, " LIMIT 1), upd AS (UPDATE %s SET %s WHERE ", table, set);
	add_tuple(&sql, key, tq);
	buf_adds(&sql, " <= (SELECT ");
	for (int i = 0; i < key->n; i++)
		buf_addf(&sql, "%spgshift_k%d", i ? ", " : "", i);
	buf_adds(&sql, " FROM last)");
	if (st->last) {
		buf_adds(&sql, " AND ");
		add_tuple(&sql, key, tq);
		buf_adds(&sql, " > (");
		for (int i = 0; i < key->n; i++)
			buf_addf(&sql, "%s$%d::%s", i ? ", " : "", i + 1, key->types[i]);
		buf_addc(&sql, ')');
	}
	if (where)
		buf_addf(&sql, " AND (%s)", where);
	buf_adds(&sql, " RETURNING 1) SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM win)");
	for (int i = 0; i < key->n; i++)
		buf_addf(&sql, ", (SELECT pgshift_k%d::text FROM last)", i);
	res = PQexecParams(conn, sql.data, st->last ? key->n : 0, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state)
			snprintf(out->sqlstate, sizeof(out->sqlstate), "%s", state);
		db_result_error(conn, res, "backfill batch failed", err);
		db_rollback(conn);
		goto out;
	}
	out->rows = atol(PQgetvalue(res, 0, 0));
	out->keys = atol(PQgetvalue(res, 0, 1));
	if (out->keys > 0) {
		/* remember the new last key, in this transaction */
		struct buf upd = BUF_INIT;
		const char **p2 = xcalloc((size_t)key->n + 2, sizeof(char *));
		char rows[32];
		PGresult *r2;

		snprintf(rows, sizeof(rows), "%ld", out->rows);
		p2[0] = st->name;
		p2[1] = rows;
		buf_addf(&upd, "UPDATE %s SET rows_done = rows_done + $2::bigint, updated_at = now(), last_key = ARRAY[", t);
		for (int i = 0; i < key->n; i++) {
			buf_addf(&upd, "%s$%d", i ? ", " : "", i + 3);
			p2[i + 2] = PQgetvalue(res, 0, 2 + i);
		}
		buf_adds(&upd, "]::text[] WHERE name = $1");
		r2 = PQexecParams(conn, upd.data, key->n + 2, NULL, p2, NULL, NULL, 0);
		if (PQresultStatus(r2) != PGRES_COMMAND_OK) {
			db_result_error(conn, r2, "could not record the backfill's progress", err);
			PQclear(r2);
			free(p2);
			buf_release(&upd);
			db_rollback(conn);
			goto out;
		}
		PQclear(r2);
		free(p2);
		buf_release(&upd);
	}
	if (db_exec(conn, "COMMIT", "could not commit a backfill batch", err) < 0)
		goto out;
	/* the batch is durable: move the in-memory cursor */
	if (out->keys > 0) {
		if (!st->last)
			st->last = xcalloc((size_t)key->n, sizeof(char *));
		for (int i = 0; i < key->n; i++) {
			free(st->last[i]);
			st->last[i] = xstrdup(PQgetvalue(res, 0, 2 + i));
		}
		st->rows_done += out->rows;
	}
	rc = 0;
out:
	out->ms = now_ms() - t0;
	PQclear(res);
	buf_release(&sql);
	free(params);
	free(t);
	free(tq);
	return rc;
}

int bf_finish(PGconn *conn, const struct history_table *ht, const char *name, struct pgs_error *err)
{
	char *t = progress_table(conn, ht, err);
	char *sql;
	const char *params[1] = { name };
	long rc;

	if (!t)
		return -1;
	sql = xasprintf("UPDATE %s SET finished_at = now(), updated_at = now() WHERE name = $1", t);
	rc = db_exec_params(conn, sql, 1, params, "could not record the end of the backfill", err);
	free(sql);
	free(t);
	return rc < 0 ? -1 : 0;
}

int bf_lag_check(PGconn *conn, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "SELECT pg_is_in_recovery(), pg_has_role('pg_read_all_stats', 'USAGE'), current_user");
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = db_result_error(conn, res, "could not check access to replication lag", err);
	else if (!strcmp(PQgetvalue(res, 0, 0), "t"))
		rc = err_set(err, EXIT_FAILURE_, "this server is a standby (in recovery): run the backfill on the primary");
	else if (strcmp(PQgetvalue(res, 0, 1), "t")) {
		rc = err_set(err, EXIT_FAILURE_, "--max-lag needs replication lag from pg_stat_replication, which role %s "
			     "may not read", PQgetvalue(res, 0, 2));
		err_hint(err, "GRANT pg_monitor TO %s (or pg_read_all_stats), or leave out --max-lag", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}

int bf_replicas(PGconn *conn, struct bf_replica **out, int *n, struct pgs_error *err)
{
	/*
	 * replay_lag is the last measured delay and stays for up to
	 * wal_receiver_status_interval after a replica has caught up: a replica
	 * that has replayed everything written so far lags by nothing.
	 */
	PGresult *res = PQexec(conn,
			       "SELECT coalesce(nullif(application_name, ''), 'pid ' || pid) || ' (' || "
			       "coalesce(host(client_addr), 'local') || ', ' || state || ')', "
			       "coalesce(replay_lsn - '0/0', 0)::text, "
			       "CASE WHEN replay_lsn >= pg_current_wal_lsn() THEN 0 "
			       "ELSE coalesce(extract(epoch FROM replay_lag) * 1000, 0) END "
			       "FROM pg_stat_replication");

	*out = NULL;
	*n = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not read replication lag", err);
		PQclear(res);
		return -1;
	}
	*n = PQntuples(res);
	*out = xcalloc((size_t)*n + 1, sizeof(**out));
	for (int i = 0; i < *n; i++) {
		(*out)[i].name = xstrdup(PQgetvalue(res, i, 0));
		(*out)[i].replay_lsn = strtoull(PQgetvalue(res, i, 1), NULL, 10);
		(*out)[i].lag_ms = atof(PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return 0;
}

void bf_replicas_free(struct bf_replica *r, int n)
{
	for (int i = 0; i < n; i++)
		free(r[i].name);
	free(r);
}

int bf_wal_lsn(PGconn *conn, unsigned long long *lsn, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "SELECT (pg_current_wal_lsn() - '0/0')::text");

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not read the WAL position", err);
		PQclear(res);
		return -1;
	}
	*lsn = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int bf_idle_slots(PGconn *conn, struct buf *out, char **keep_limit)
{
	/* A standby has no WAL position of its own to measure from: no rows there. */
	PGresult *res = PQexec(conn,
			       "SELECT slot_name, slot_type, "
			       "pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), "
			       "current_setting('max_slot_wal_keep_size') "
			       "FROM pg_replication_slots "
			       "WHERE NOT active AND restart_lsn IS NOT NULL AND NOT pg_is_in_recovery() "
			       "ORDER BY slot_name");
	int n = 0;

	*keep_limit = NULL;
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		n = PQntuples(res);
		for (int i = 0; i < n; i++)
			buf_addf(out, "%s%s (%s, %s of WAL kept)", i ? ", " : "", PQgetvalue(res, i, 0),
				 PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
		if (n)
			*keep_limit = xstrdup(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return n;
}
