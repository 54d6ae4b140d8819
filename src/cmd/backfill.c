/*
 * backfill: change every row of a large table in small, safe steps.
 *
 * pgshift backfill --table T --set "col = expr" [--where COND] walks T in
 * key order, at most N rows per transaction, and commits its progress with
 * each batch, so it can stop (Ctrl-C finishes the current batch) and resume
 * where it stopped.  The batch size adapts so that each transaction stays
 * near --target-ms: row locks are short, the app never waits long.
 *
 * Semantics with a live application: a batch locks its rows (waiting for
 * the app's row locks within --lock-timeout, then retrying; never skipping a
 * row), and updates only the rows that still match --where, so a row the
 * app changed meanwhile is left as the app made it.  Rows the app inserts
 * behind the cursor are not visited (write them right from the start).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/backfill.h"
#include "cmd/cmds.h"
#include "cmd/common.h"
#include "core/checksum.h"
#include "core/script.h"
#include "db/backfill.h"
#include "util/clock.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift backfill --table T --set \"col = expr\" [--where COND] [options]";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * The SET list and WHERE condition are pasted into the batch's UPDATE, so
 * the scanner checks that neither can reach outside its place (a condition
 * such as "false) OR (v IS NULL" would leave the key range), then they
 * must make exactly one plain UPDATE statement: PostgreSQL's parser checks.
 */
static int validate(const char *set, const char *where, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	struct script s;
	struct update_parts parts;
	int rc = 0;

	if (script_check_fragment(set, "--set", err) < 0 || (where && script_check_fragment(where, "--where", err) < 0)) {
		err_hint(err, "--set takes what follows SET in an UPDATE (\"col = expr, col2 = expr\"), --where one condition");
		return -1;
	}
	buf_addf(&sql, "UPDATE pgshift_check SET %s WHERE (%s)", set, where ? where : "true");
	if (script_split("--set/--where", sql.data, &s, err) < 0) {
		err->code = EXIT_USAGE;
		err_hint(err, "--set takes what follows SET in an UPDATE (\"col = expr, col2 = expr\"), --where a condition");
		rc = -1;
	} else {
		if (s.n != 1 || !s.stmts[0].node || s.stmts[0].node->node_case != PG_QUERY__NODE__NODE_UPDATE_STMT)
			rc = err_set(err, EXIT_USAGE, "--set / --where must be part of one UPDATE, not more statements");
		else if (script_update_parts(sql.data, &s.stmts[0], &parts, err) < 0) {
			/* e.g. --set "v = 1 FROM other": a join, not a batch of the table */
			err_prefix(err, "--set / --where");
			err->code = EXIT_USAGE;
			rc = -1;
		} else {
			update_parts_free(&parts);
		}
		script_free(&s);
	}
	buf_release(&sql);
	return rc;
}

/* One line of progress: stdout, or stderr when the caller's stdout is not for it (deploy). */
static void progress_line(const struct backfill_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress_line(const struct backfill_opts *o, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (o->to_stderr)
		out_eprintf("%s", b.data);
	else
		out_printf("%s", b.data);
	buf_release(&b);
}

/*
 * One progress report.  done counts every run of the backfill; the rate (and
 * so the ETA) only this run's rows over this run's time: after a resume the
 * rows of an earlier run took time that is not in elapsed.
 */
static void report(const struct backfill_opts *o, bool tty, const char *name, long long done, long long this_run,
		   double elapsed, long long total, long batch, bool final)
{
	double rate = elapsed > 0 ? this_run / elapsed : 0;
	double eta = rate > 0 && total > done ? (total - done) / rate : 0;

	if (o->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:f, s:b}", "backfill", name, "rows_done",
				      (json_int_t)done, "rows_this_run", (json_int_t)this_run, "rows_estimated",
				      (json_int_t)total, "rows_per_second", rate, "batch", (json_int_t)batch, "eta_seconds",
				      eta, "finished", final);
		char *s = json_dumps(j, JSON_COMPACT);
		progress_line(o, "%s\n", s);
		free(s);
		json_decref(j);
	} else if (tty) {
		int width = 30, filled = total > 0 ? (int)(width * (done > total ? 1.0 : (double)done / total)) : 0;
		char bar[64];

		memset(bar, '#', (size_t)filled);
		memset(bar + filled, '.', (size_t)(width - filled));
		bar[width] = '\0';
		out_printf("\r[%s] %lld / ~%lld rows  %.0f rows/s  batch %ld  eta %.0f s   %s", bar, done, total, rate, batch,
			   eta, final ? "\n" : "");
		fflush(stdout);
	} else {
		progress_line(o, "backfill %s: %lld of ~%lld rows, %.0f rows/s, batch %ld%s\n", name, done, total, rate,
			      batch, final ? ", done" : "");
	}
}

/* The name of a backfill: given, else the table and a hash of what it does. */
static char *derive_name(const char *table, const char *set, const char *where)
{
	char sum[CHECKSUM_HEX_LEN + 1];
	char *material = xasprintf("%s\n%s\n%s", table, set, where ? where : "");
	char *name;

	checksum_sha256_hex(material, strlen(material), sum);
	name = xasprintf("%s_%.8s", table, sum);
	free(material);
	return name;
}

/*
 * --max-lag.  replay_lag alone cannot show a replica that has stopped
 * replaying (it is measured when WAL gets replayed), so each batch's commit
 * is remembered with its WAL position and time until every replica has
 * replayed past it: a replica's lag is the larger of replay_lag and the age
 * of the oldest of our commits it has not replayed.
 */
struct lag_track {
	struct commit_mark {
		unsigned long long lsn;
		double at;
	} *marks;		/* in commit order */
	size_t n, cap;
};

static int track_commit(PGconn *conn, struct lag_track *lt, struct pgs_error *err)
{
	unsigned long long lsn;

	if (bf_wal_lsn(conn, &lsn, err) < 0)
		return -1;
	if (lt->n == lt->cap) {
		lt->cap = lt->cap ? lt->cap * 2 : 64;
		lt->marks = xrealloc(lt->marks, lt->cap * sizeof(*lt->marks));
	}
	lt->marks[lt->n].lsn = lsn;
	lt->marks[lt->n++].at = now_ms() / 1000;
	return 0;
}

/* The worst replica's lag in ms (0 with no replica); *who names it (caller frees). */
static int replica_lag(PGconn *conn, struct lag_track *lt, double *lag, char **who, struct pgs_error *err)
{
	struct bf_replica *r;
	int n;
	unsigned long long all_replayed = 0;
	size_t keep = 0;

	*lag = 0;
	*who = NULL;
	if (bf_replicas(conn, &r, &n, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		double l = r[i].lag_ms;
		for (size_t k = 0; k < lt->n; k++)
			if (lt->marks[k].lsn > r[i].replay_lsn) {
				double own = (now_ms() / 1000 - lt->marks[k].at) * 1000;
				if (own > l)
					l = own;
				break;
			}
		if (!*who || l > *lag) {
			free(*who);
			*who = xstrdup(r[i].name);
			*lag = l;
		}
		if (i == 0 || r[i].replay_lsn < all_replayed)
			all_replayed = r[i].replay_lsn;
	}
	/* forget the commits every replica has replayed (all of them with no replica) */
	while (keep < lt->n && (n == 0 || lt->marks[keep].lsn <= all_replayed))
		keep++;
	if (keep > 0) {
		memmove(lt->marks, lt->marks + keep, (lt->n - keep) * sizeof(*lt->marks));
		lt->n -= keep;
	}
	bf_replicas_free(r, n);
	return 0;
}

/*
 * Before a batch, wait while a replica lags more than max_lag_ms (checked
 * every 500 ms; said when the wait starts, every 10 s while it lasts, and
 * when it ends).  A signal ends the wait.
 */
static int wait_for_replicas(PGconn *conn, long max_lag_ms, struct lag_track *lt, struct pgs_error *err)
{
	double since = 0, said = 0;

	while (!stop_requested) {
		double lag;
		char *who;

		if (replica_lag(conn, lt, &lag, &who, err) < 0)
			return -1;
		if (lag <= max_lag_ms) {
			if (since > 0)
				out_eprintf("pgshift: replicas within --max-lag again (%s: %.1f s) after %.0f s; going on\n",
					    who ? who : "none connected", lag / 1000, now_ms() / 1000 - since);
			free(who);
			return 0;
		}
		if (since == 0 || now_ms() / 1000 - said >= 10) {
			out_eprintf("pgshift: replica %s is %.1f s behind (--max-lag %.1f s): waiting before the next batch\n",
				    who, lag / 1000, max_lag_ms / 1000.0);
			said = now_ms() / 1000;
			if (since == 0)
				since = said;
		}
		free(who);
		sleep_ms(500, &stop_requested);
	}
	return 0;
}

/*
 * A slot whose consumer is away keeps every byte of WAL from its position on:
 * a backfill writes WAL for each row it changes, so that is where the disk
 * goes.  Said, not waited for (--max-lag waits only for connected replicas).
 */
static void warn_idle_slots(PGconn *conn)
{
	struct buf slots = BUF_INIT;
	char *limit = NULL;
	int n = bf_idle_slots(conn, &slots, &limit);

	if (n > 0) {
		out_warning("replication slot%s with no consumer connected: %s. This backfill writes WAL for every row "
			    "it changes, and %s it on this server's disk until the consumer comes back (limit: "
			    "max_slot_wal_keep_size = %s)", n == 1 ? "" : "s", slots.data, n == 1 ? "that slot keeps" :
			    "those slots keep", limit);
		out_hint("watch the disk, or drop a slot whose consumer is gone for good "
			 "(SELECT pg_drop_replication_slot('NAME'))");
	}
	free(limit);
	buf_release(&slots);
}

int backfill_run(PGconn *conn, const char *history_schema, const struct backfill_spec *spec,
		 const struct backfill_opts *o, struct pgs_error *err)
{
	struct history_table ht;
	struct bf_key key = { 0 };
	struct bf_state st = { 0 };
	char *table = NULL, *name = NULL;
	long long total, earlier;	/* earlier: rows done by earlier runs */
	double t0, last_report = 0;
	long size = o->batch < 1 ? 1 : o->batch;
	double longest = 0;	/* the longest batch: how long any row stayed locked */
	int retries = 0, rc = -1;
	bool tty = !o->json && !o->to_stderr && (out_colour_enabled(stdout) || isatty(1));
	struct sigaction sa, old_int, old_term;
	struct lag_track lt = { 0 };

	history_table_init(&ht, history_schema, false);
	table = bf_resolve_table(conn, spec->table, err);
	if (!table)
		return -1;
	if (bf_find_key(conn, table, &key, err) < 0 || bf_ensure_table(conn, &ht, err) < 0 ||
	    (o->max_lag_ms > 0 && bf_lag_check(conn, err) < 0))
		goto out;
	warn_idle_slots(conn);
	name = spec->name ? xstrdup(spec->name) : derive_name(table, spec->set, spec->where);
	if (bf_load(conn, &ht, name, &key, &st, err) < 0)
		goto out;
	if (st.exists && st.finished && !o->restart) {
		progress_line(o, "backfill %s finished earlier (%lld rows); --restart runs it again\n", name, st.rows_done);
		rc = 0;
		goto out;
	}
	if (!st.exists || o->restart) {
		bf_state_free(&st, key.n);
		if (bf_reset(conn, &ht, name, table, spec->set, spec->where, err) < 0 ||
		    bf_load(conn, &ht, name, &key, &st, err) < 0)
			goto out;
	} else {
		progress_line(o, "resuming backfill %s: %lld rows done since %s\n", name, st.rows_done, st.started_at);
	}
	earlier = st.rows_done;
	total = bf_estimate(conn, table, o->exact, spec->where, err);
	if (total < 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;	/* the batch in flight finishes; the loop stops after it */
	stop_requested = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	t0 = now_ms() / 1000;
	for (;;) {
		struct bf_batch b;
		if (o->max_lag_ms > 0 && wait_for_replicas(conn, o->max_lag_ms, &lt, err) < 0)
			goto restore;
		if (stop_requested)
			break;
		if (bf_batch(conn, &ht, table, spec->set, spec->where, &key, &st, size, o->lock_timeout_ms, &b, err) < 0) {
			if (!strcmp(b.sqlstate, "55P03") && retries < o->max_retries && !stop_requested) {
				retries++;
				out_eprintf("pgshift: batch waited longer than %ld ms for a row lock; retry %d of %d\n",
					    o->lock_timeout_ms, retries, o->max_retries);
				err_clear(err);
				sleep_ms(o->lock_timeout_ms / 2 + 100, &stop_requested);
				continue;
			}
			goto restore;
		}
		retries = 0;
		if (o->max_lag_ms > 0 && b.keys > 0 && track_commit(conn, &lt, err) < 0)
			goto restore;
		if (b.ms > longest)
			longest = b.ms;
		if (b.keys == 0)
			break;
		if (o->target_ms > 0 && b.ms > 0) {
			/* move towards the target, at most doubling or halving at once */
			double f = (double)o->target_ms / b.ms;
			if (f > 2)
				f = 2;
			if (f < 0.5)
				f = 0.5;
			size = (long)(size * f);
			if (size < 10)
				size = 10;
			if (size > BACKFILL_MAX_BATCH)
				size = BACKFILL_MAX_BATCH;
		}
		if (now_ms() / 1000 - last_report >= (tty ? 0.2 : 5.0)) {
			report(o, tty, name, st.rows_done, st.rows_done - earlier, now_ms() / 1000 - t0, total, size, false);
			last_report = now_ms() / 1000;
		}
		if (o->sleep_ms > 0)
			sleep_ms(o->sleep_ms, NULL);
	}
	if (stop_requested) {
		report(o, tty, name, st.rows_done, st.rows_done - earlier, now_ms() / 1000 - t0, total, size, false);
		err_set(err, EXIT_INTERRUPTED, "backfill %s stopped after a complete batch: %lld rows done, progress saved", name,
			st.rows_done);
		rc = 1;
		goto restore;
	}
	if (bf_finish(conn, &ht, name, err) < 0)
		goto restore;
	{
		double el = now_ms() / 1000 - t0;
		report(o, tty, name, st.rows_done, st.rows_done - earlier, el, total, size, true);
		if (!o->json && earlier)
			progress_line(o, "backfill %s finished: %lld rows updated (%lld in this run, in %.1f s); longest "
					 "batch (row locks held) %.0f ms\n", name, st.rows_done, st.rows_done - earlier, el,
				      longest);
		else if (!o->json)
			progress_line(o, "backfill %s finished: %lld rows updated in %.1f s; longest batch (row locks held) "
					 "%.0f ms\n", name, st.rows_done, el, longest);
	}
	rc = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc < 0 && st.name && st.rows_done)
		err_hint(err, "progress is saved (%lld rows done): run the same command again to resume", st.rows_done);
out:
	free(lt.marks);
	bf_state_free(&st, key.n);
	bf_key_free(&key);
	free(table);
	free(name);
	return rc;
}

int cmd_backfill(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct backfill_spec spec = { 0 };
	struct backfill_opts bo = BACKFILL_OPTS_INIT;
	int batch = (int)bo.batch;
	struct opt opts[] = {
		OPT_STRING(0, "table", &spec.table, "TABLE", "the table to change"),
		OPT_STRING(0, "set", &spec.set, "\"col = expr\"", "what to set, as after SET in an UPDATE"),
		OPT_STRING(0, "where", &spec.where, "COND", "only rows matching COND (checked again when each row is updated)"),
		OPT_INT_RANGE(0, "batch", &batch, "N", "first batch size (default 1000; adapts to --target-ms)", 1,
			      BACKFILL_MAX_BATCH),
		OPT_MILLIS(0, "target-ms", &bo.target_ms, "MS", "aim for batches this long (default 200; 0: fixed size)"),
		OPT_MILLIS(0, "sleep", &bo.sleep_ms, "MS", "pause between batches (default none)"),
		OPT_DURATION(0, "lock-timeout", &bo.lock_timeout_ms, "DURATION", "lock_timeout of each batch (default 2s)"),
		OPT_INT(0, "lock-retries", &bo.max_retries, "N", "retries of a batch that timed out on a lock (default 10)"),
		OPT_DURATION(0, "max-lag", &bo.max_lag_ms, "DURATION", "pause while a replica's replay lags more (e.g. 5s)"),
		OPT_STRING(0, "name", &spec.name, "NAME", "the backfill's name for resuming (default: from table and SET)"),
		OPT_BOOL(0, "restart", &bo.restart, "start over instead of resuming"),
		OPT_BOOL(0, "exact", &bo.exact, "count the rows first (instead of the planner's estimate)"),
		OPT_BOOL(0, "json", &c.json, "one JSON object per progress report"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	int rc, r;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if (!spec.table || !spec.set) {
		err_set(&err, EXIT_USAGE, "--table and --set are required");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	if (validate(spec.set, spec.where, &err) < 0)
		return common_fail(&err);
	bo.batch = batch;
	bo.json = c.json;
	if (session_open(&ss, &c, false, 0, &err) < 0)
		return common_fail(&err);
	r = backfill_run(ss.conn, c.history_schema, &spec, &bo, &err);
	session_close(&ss);
	if (r == 1) {
		out_eprintf("pgshift: %s\n", err.message);
		out_hint("run the same command again to resume (or add --restart to start over)");
		err_clear(&err);
		return EXIT_INTERRUPTED;
	}
	return r < 0 ? common_fail(&err) : EXIT_OK;
}
