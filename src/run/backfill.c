/*
 * backfill: change every row of a large table in small, safe steps.
 *
 * Walks the table in key order, at most N rows per transaction, and commits
 * its progress with each batch, so it can stop (the caller's stop flag
 * finishes the current batch) and resume where it stopped.  The batch size
 * adapts so that each transaction stays near target_ms: row locks are
 * short, the app never waits long.
 *
 * Semantics with a live application: a batch locks its rows (waiting for
 * the app's row locks within lock_timeout, then retrying; never skipping a
 * row), and updates only the rows that still match where, so a row the
 * app changed meanwhile is left as the app made it.  Rows the app inserts
 * behind the cursor are not visited (write them right from the start).
 */
#include "run/backfill.h"

#include <stdlib.h>
#include <string.h>

#include "core/checksum.h"
#include "core/script.h"
#include "db/backfill.h"
#include "util/clock.h"
#include "util/exitcodes.h"

/*
 * The SET list and WHERE condition are pasted into the batch's UPDATE, so
 * the scanner checks that neither can reach outside its place (a condition
 * such as "false) OR (v IS NULL" would leave the key range), then they
 * must make exactly one plain UPDATE statement: PostgreSQL's parser checks.
 */
int backfill_validate(const char *set, const char *where, struct pgs_error *err)
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

static bool stopped(const struct backfill_opts *o)
{
	return o->stop && *o->stop;
}

/*
 * One progress report.  done counts every run of the backfill; the rate (and
 * so the ETA) only this run's rows over this run's time: after a resume the
 * rows of an earlier run took time that is not in elapsed.
 */
static void report(const struct run_sink *sink, const char *name, long long done, long long this_run, double elapsed,
		   long long total, long batch, double longest, bool final)
{
	double rate = elapsed > 0 ? this_run / elapsed : 0;
	struct run_event ev = {
		.kind = RUN_PROGRESS,
		.name = name,
		.progress = { .done = done, .this_run = this_run, .total = total, .rate = rate,
			      .eta_s = rate > 0 && total > done ? (total - done) / rate : 0, .batch = batch,
			      .elapsed_s = elapsed, .longest_ms = longest, .final = final },
	};

	run_emit(sink, &ev);
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
 * max_lag_ms.  replay_lag alone cannot show a replica that has stopped
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
 * when it ends).  The stop flag ends the wait.
 */
static int wait_for_replicas(PGconn *conn, const struct backfill_opts *o, struct lag_track *lt,
			     const struct run_sink *sink, struct pgs_error *err)
{
	double since = 0, said = 0;

	while (!stopped(o)) {
		double lag;
		char *who;

		if (replica_lag(conn, lt, &lag, &who, err) < 0)
			return -1;
		if (lag <= o->max_lag_ms) {
			if (since > 0)
				run_notice(sink, RUN_STATUS, "replicas within --max-lag again (%s: %.1f s) after %.0f s; going on",
					   who ? who : "none connected", lag / 1000, now_ms() / 1000 - since);
			free(who);
			return 0;
		}
		if (since == 0 || now_ms() / 1000 - said >= 10) {
			run_notice(sink, RUN_STATUS, "replica %s is %.1f s behind (--max-lag %.1f s): waiting before the next batch",
				   who, lag / 1000, o->max_lag_ms / 1000.0);
			said = now_ms() / 1000;
			if (since == 0)
				since = said;
		}
		free(who);
		sleep_ms(500, o->stop);
	}
	return 0;
}

/*
 * A slot whose consumer is away keeps every byte of WAL from its position on:
 * a backfill writes WAL for each row it changes, so that is where the disk
 * goes.  Said, not waited for (max_lag_ms waits only for connected replicas).
 */
static void warn_idle_slots(PGconn *conn, const struct run_sink *sink)
{
	struct buf slots = BUF_INIT;
	char *limit = NULL;
	int n = bf_idle_slots(conn, &slots, &limit);

	if (n > 0) {
		run_notice(sink, RUN_WARNING, "replication slot%s with no consumer connected: %s. This backfill writes WAL for "
			   "every row it changes, and %s it on this server's disk until the consumer comes back (limit: "
			   "max_slot_wal_keep_size = %s)", n == 1 ? "" : "s", slots.data, n == 1 ? "that slot keeps" :
			   "those slots keep", limit);
		run_notice(sink, RUN_HINT, "watch the disk, or drop a slot whose consumer is gone for good "
			   "(SELECT pg_drop_replication_slot('NAME'))");
	}
	free(limit);
	buf_release(&slots);
}

/* The batch size that moves towards target_ms after a batch of size that took ms, at most doubling or halving. */
static long next_size(const struct backfill_opts *o, long size, double ms)
{
	double f;

	if (o->target_ms <= 0 || ms <= 0)
		return size;
	f = (double)o->target_ms / ms;
	if (f > 2)
		f = 2;
	if (f < 0.5)
		f = 0.5;
	size = (long)(size * f);
	if (size < 10)
		size = 10;
	if (size > BACKFILL_MAX_BATCH)
		size = BACKFILL_MAX_BATCH;
	return size;
}

int backfill_run(PGconn *conn, const struct history_table *ht, const struct backfill_spec *spec,
		 const struct backfill_opts *o, const struct run_sink *sink, struct pgs_error *err)
{
	struct bf_key key = { 0 };
	struct bf_state st = { 0 };
	char *table = NULL, *name = NULL;
	long long total, earlier;	/* earlier: rows done by earlier runs */
	double t0, last_report = 0;
	long size = o->batch < 1 ? 1 : o->batch;
	double longest = 0;	/* the longest batch: how long any row stayed locked */
	int retries = 0, rc = -1;
	struct lag_track lt = { 0 };

	table = bf_resolve_table(conn, spec->table, err);
	if (!table)
		return -1;
	if (bf_find_key(conn, table, &key, err) < 0 || bf_ensure_table(conn, ht, err) < 0 ||
	    (o->max_lag_ms > 0 && bf_lag_check(conn, err) < 0))
		goto out;
	warn_idle_slots(conn, sink);
	name = spec->name ? xstrdup(spec->name) : derive_name(table, spec->set, spec->where);
	if (bf_load(conn, ht, name, &key, &st, err) < 0)
		goto out;
	if (st.exists && st.finished && !o->restart) {
		run_notice(sink, RUN_INFO, "backfill %s finished earlier (%lld rows); --restart runs it again", name,
			   st.rows_done);
		rc = 0;
		goto out;
	}
	if (!st.exists || o->restart) {
		bf_state_free(&st, key.n);
		if (bf_reset(conn, ht, name, table, spec->set, spec->where, err) < 0 ||
		    bf_load(conn, ht, name, &key, &st, err) < 0)
			goto out;
	} else {
		run_notice(sink, RUN_INFO, "resuming backfill %s: %lld rows done since %s", name, st.rows_done,
			   st.started_at);
	}
	earlier = st.rows_done;
	total = bf_estimate(conn, table, o->exact, spec->where, err);
	if (total < 0)
		goto out;
	t0 = now_ms() / 1000;
	for (;;) {
		struct bf_batch b;
		if (o->max_lag_ms > 0 && wait_for_replicas(conn, o, &lt, sink, err) < 0)
			goto saved;
		if (stopped(o))
			break;
		if (bf_batch(conn, ht, table, spec->set, spec->where, &key, &st, size, o->lock_timeout_ms, &b, err) < 0) {
			if (!strcmp(b.sqlstate, "55P03") && retries < o->max_retries && !stopped(o)) {
				struct buf text = BUF_INIT;

				retries++;
				buf_addf(&text, "batch waited longer than %ld ms for a row lock; retry %d of %d",
					 o->lock_timeout_ms, retries, o->max_retries);
				run_emit(sink, &(struct run_event){ .kind = RUN_RETRY, .level = RUN_STATUS, .name = name,
								    .text = text.data });
				buf_release(&text);
				err_clear(err);
				sleep_ms(o->lock_timeout_ms / 2 + 100, o->stop);
				continue;
			}
			goto saved;
		}
		retries = 0;
		if (o->max_lag_ms > 0 && b.keys > 0 && track_commit(conn, &lt, err) < 0)
			goto saved;
		if (b.ms > longest)
			longest = b.ms;
		if (b.keys == 0)
			break;
		size = next_size(o, size, b.ms);
		if ((now_ms() / 1000 - last_report) * 1000 >= o->report_ms) {
			report(sink, name, st.rows_done, st.rows_done - earlier, now_ms() / 1000 - t0, total, size, longest,
			       false);
			last_report = now_ms() / 1000;
		}
		if (o->sleep_ms > 0)
			sleep_ms(o->sleep_ms, NULL);
	}
	if (stopped(o)) {
		report(sink, name, st.rows_done, st.rows_done - earlier, now_ms() / 1000 - t0, total, size, longest, false);
		err_set(err, EXIT_INTERRUPTED, "backfill %s stopped after a complete batch: %lld rows done, progress saved", name,
			st.rows_done);
		rc = 1;
		goto out;
	}
	if (bf_finish(conn, ht, name, err) < 0)
		goto saved;
	report(sink, name, st.rows_done, st.rows_done - earlier, now_ms() / 1000 - t0, total, size, longest, true);
	rc = 0;
	goto out;
saved:
	if (st.name && st.rows_done)
		err_hint(err, "progress is saved (%lld rows done): run the same command again to resume", st.rows_done);
out:
	free(lt.marks);
	bf_state_free(&st, key.n);
	bf_key_free(&key);
	free(table);
	free(name);
	return rc;
}
