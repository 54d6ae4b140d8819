/*
 * rollback: the engine of rollback (see rollback.h).
 *
 * Everything is checked before anything is touched (pick, prepare, the
 * gate); then each down.sql runs in its own transaction together with its
 * history change, so a failure stops cleanly.  The next deploy applies the
 * reverted migrations again.
 */
#include "run/rollback.h"

#include <stdlib.h>
#include <string.h>

#include "core/script.h"
#include "core/text.h"
#include "db/apply.h"
#include "run/gate.h"
#include "util/clock.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"

struct down {
	struct plan_entry *e;
	struct buf sql;
	struct script script;
	long lock_timeout_ms;	/* from -- pgshift:lock-timeout in the down.sql, or -1 */
};

/* Picks the applied migrations to revert, newest first; -1 with err on a bad target. */
static int pick(struct session *ss, const char *to, int steps, bool have_steps, struct down **out, size_t *n,
		struct pgs_error *err)
{
	size_t napplied = 0, k = 0;
	bool found = false;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < ss->plan.n; i++) {
		struct plan_entry *e = &ss->plan.entries[i];
		if (plan_is_problem(e->state) && e->state != ST_MODIFIED) {
			err_set(err, EXIT_HISTORY, "refusing to roll back: %s is %s", e->name, mstate_name(e->state));
			if (e->state == ST_FAILED)
				err_hint(err, "resolve it first: \"pgshift resolve --rolled-back %s\"", e->name);
			else
				err_hint(err, "restore its directory from version control first");
			return -1;
		}
		if (e->state == ST_APPLIED || e->state == ST_MODIFIED)
			napplied++;
		if (to && !strcmp(e->name, to)) {
			found = true;
			if (e->state != ST_APPLIED && e->state != ST_MODIFIED) {
				err_set(err, EXIT_USAGE, "target %s is %s, not applied", to, mstate_name(e->state));
				err_hint(err, "--to names the migration to keep: the newest one that stays applied");
				return -1;
			}
		}
	}
	if (to && !found) {
		err_set(err, EXIT_USAGE, "no migration named \"%s\"", to);
		err_hint(err, "\"pgshift status\" lists the migrations");
		return -1;
	}
	if (have_steps && (size_t)steps > napplied) {
		err_set(err, EXIT_USAGE, "--steps %d, but only %zu migration%s applied", steps, napplied,
			napplied == 1 ? " is" : "s are");
		return -1;
	}
	*out = xcalloc(napplied + 1, sizeof(**out));
	for (size_t i = ss->plan.n; i-- > 0;) {
		struct plan_entry *e = &ss->plan.entries[i];

		if (to && !strcmp(e->name, to))
			break;
		if (e->state != ST_APPLIED && e->state != ST_MODIFIED)
			continue;
		if (have_steps && k == (size_t)steps)
			break;
		(*out)[k].e = e;
		buf_init(&(*out)[k].sql);
		k++;
	}
	*n = k;
	return 0;
}

/* Reads and parses every down.sql; refuses, naming them all, when any is missing or empty. */
static int prepare(struct down *d, size_t n, struct pgs_error *err)
{
	struct buf lacking = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		struct migration *m = d[i].e->mig;
		size_t bad;

		if (!m || !m->down_path || m->down_empty) {
			buf_addf(&lacking, "%s%s", lacking.len ? ", " : "", d[i].e->name);
			continue;
		}
		if (fs_read_file(m->down_path, &d[i].sql, err) < 0)
			goto fail;
		if (text_is_blank(d[i].sql.data, d[i].sql.len)) {
			buf_addf(&lacking, "%s%s", lacking.len ? ", " : "", d[i].e->name);
			continue;
		}
		if (!text_valid_utf8(d[i].sql.data, d[i].sql.len, &bad)) {
			err_set_at(err, EXIT_FAILURE_, m->down_path, text_line_of(d[i].sql.data, bad), 0,
				   "file is not valid UTF-8");
			goto fail;
		}
		text_strip_bom(&d[i].sql);
		if (script_split(m->down_path, d[i].sql.data, &d[i].script, err) < 0)
			goto fail;
		if (d[i].script.n == 0)
			buf_addf(&lacking, "%s%s", lacking.len ? ", " : "", d[i].e->name);
		d[i].lock_timeout_ms = -1;
		{
			const struct directive *dir = script_directive(&d[i].script, "lock-timeout");
			if (dir && opts_parse_duration(dir->args, &d[i].lock_timeout_ms) < 0) {
				err_set_at(err, EXIT_FAILURE_, m->down_path, dir->line, 0,
					   "-- pgshift:lock-timeout needs a duration from " OPTS_DURATION_RANGE
					   " such as 10s, not \"%s\"", dir->args);
				goto fail;
			}
		}
	}
	if (lacking.len) {
		err_set(err, EXIT_FAILURE_, "refusing to roll back: no down.sql (or an empty one) for %s", lacking.data);
		err_hint(err, "write the SQL that reverts each of them into its down.sql; nothing was reverted");
		goto fail;
	}
	buf_release(&lacking);
	return 0;
fail:
	buf_release(&lacking);
	return -1;
}

/* One try of a down.sql with the given lock_timeout (run/lockretry.h retries it, as deploy does). */
struct try_down {
	struct session *ss;
	const struct apply_job *job;
	struct apply_opts ao;
};

static int try_down(void *arg, long lock_timeout_ms, struct apply_failure *fail, struct pgs_error *err)
{
	struct try_down *t = arg;

	t->ao.lock_timeout_ms = lock_timeout_ms;
	t->ao.failure = fail;
	return apply_script(t->ss->conn, &t->ss->ht, t->job, &t->ao, err);
}

/* The safety gate over the down.sql files, in the order they run (newest first). */
static int gate(struct session *ss, const struct gate_opts *go, const struct down *d, size_t n,
		const struct run_sink *sink, struct pgs_error *err)
{
	struct gate_file *files = xcalloc(n + 1, sizeof(*files));
	int rc;

	for (size_t i = 0; i < n; i++)
		files[i] = (struct gate_file){ d[i].e->mig->down_path, d[i].sql.data, d[i].e->name, NULL };
	rc = lint_gate(ss->conn, go, files, n, sink, err);
	for (size_t i = 0; i < n; i++)
		free(files[i].review);	/* rolled_back_at is the record: no review column to keep it in */
	free(files);
	return rc;
}

int rollback_run(struct session *ss, const struct rollback_opts *o, const struct run_sink *sink, struct pgs_error *err)
{
	struct gate_opts go = { o->approve, o->strict, true };
	struct down *downs = NULL;
	size_t ndown = 0, reverted = 0;
	int rc = -1;

	if (pick(ss, o->to, o->steps, o->steps > 0, &downs, &ndown, err) < 0 || prepare(downs, ndown, err) < 0 ||
	    gate(ss, &go, downs, ndown, sink, err) < 0)
		goto out;
	if (o->dry_run || !ndown) {
		if (!ndown)
			run_notice(sink, RUN_INFO, "nothing to roll back");
		else
			run_notice(sink, RUN_INFO, "dry run: would revert %zu migration%s, newest first:", ndown,
				   ndown == 1 ? "" : "s");
		for (size_t i = 0; o->dry_run && i < ndown; i++)
			run_emit(sink, &(struct run_event){ .kind = RUN_PLANNED, .name = downs[i].e->name,
							     .statements = (long)downs[i].script.n, .down = true });
		rc = (int)ndown;
		goto out;
	}
	{
		struct lock_retry sched;

		lock_retry_init(&sched, o->lock_timeout_ms, o->lock_retries, o->lock_retry_delay_ms,
				db_deadlock_timeout_ms(ss->conn));
		lock_retry_warn(&sched, sink);
		for (size_t i = 0; i < ndown; i++) {
			struct migration *m = downs[i].e->mig;
			struct apply_job job = { APPLY_DOWN, m, m->down_path, downs[i].sql.data, &downs[i].script };
			struct try_down t = { ss, &job, { 0, o->statement_timeout_ms, NULL } };
			double t0 = now_ms();
			struct lock_retry lr = sched;

			/* -- pgshift:lock-timeout in the down.sql fixes the timeout, as in a migration.sql */
			if (downs[i].lock_timeout_ms >= 0)
				lr.fixed_ms = downs[i].lock_timeout_ms;
			if (lock_retry_run(ss->conn, &lr, m->name, &downs[i].script, try_down, &t, sink, err) < 0) {
				if (reverted)
					run_notice(sink, RUN_INFO, "%zu migration%s reverted before the failure; %zu not touched",
						   reverted, reverted == 1 ? "" : "s", ndown - reverted - 1);
				goto out;
			}
			reverted++;
			run_emit(sink, &(struct run_event){ .kind = RUN_APPLIED, .name = m->name, .ms = now_ms() - t0,
							     .statements = (long)downs[i].script.n, .down = true });
		}
	}
	rc = (int)reverted;
out:
	for (size_t i = 0; i < ndown; i++) {
		buf_release(&downs[i].sql);
		script_free(&downs[i].script);
	}
	free(downs);
	return rc;
}
