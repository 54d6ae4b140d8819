/*
 * rollback: revert applied migrations, newest first, with their down.sql.
 *
 * Everything is checked before anything is touched: the target exists and
 * is applied, and every migration to revert has a non-empty down.sql that
 * parses, and the down.sql files pass the safety gate as deploy's
 * migration.sql files do (review-level findings need --approve NAME or an
 * allow in the file; --strict stops on warnings).  Then each down.sql runs in
 * its own transaction together with its history change (rolled_back_at), so
 * a failure stops cleanly: everything before it reverted, everything after
 * it untouched.  The next deploy applies the reverted migrations again.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "core/script.h"
#include "core/text.h"
#include "db/apply.h"
#include "db/conn.h"
#include "run/gate.h"
#include "run/lockretry.h"
#include "util/clock.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"

static const char usage[] = "pgshift rollback --to NAME | --steps N [options]";

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
/* One try of a down.sql with the given lock_timeout (cmd/lockretry.h retries it, as deploy does). */
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

int cmd_rollback(int argc, char **argv)
{
	struct common_opts c = { 0 };
	const char *to = NULL;
	int steps = -1;
	bool dry_run = false;
	struct strlist approve = { 0 };
	struct gate_opts go = { &approve, false, true };
	long lock_wait_ms = 60000, lock_timeout_ms = -1, statement_timeout_ms = 0;
	int lock_retries = LOCK_RETRY_TRIES;
	long lock_retry_delay_ms = LOCK_RETRY_SLEEP_MS;
	struct opt opts[] = {
		OPT_STRING(0, "to", &to, "NAME", "revert every applied migration newer than NAME (NAME stays applied)"),
		OPT_INT(0, "steps", &steps, "N", "revert the N newest applied migrations"),
		OPT_BOOL('n', "dry-run", &dry_run, "print the plan and change nothing"),
		OPT_BOOL(0, "json", &c.json, "print the result as JSON"),
		COMMON_DIR_OPTS(&c),
		OPT_DURATION(0, "lock-wait", &lock_wait_ms, "DURATION", "wait this long for a concurrent deploy (default 60s)"),
		LOCK_RETRY_OPTS(&lock_timeout_ms, &lock_retries, &lock_retry_delay_ms),
		OPT_DURATION(0, "statement-timeout", &statement_timeout_ms, "DURATION",
			     "statement_timeout of each down's transaction (default none)"),
		OPT_GROUP("safety gate"),
		OPT_LIST(0, "approve", &approve, "NAME", "approve the review-level findings of NAME's down.sql (repeatable)"),
		OPT_BOOL(0, "strict", &go.strict, "warnings block the rollback too"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct cmd_events ev;
	struct session ss;
	struct down *downs = NULL;
	size_t ndown = 0, reverted = 0;
	json_t *jdone = json_array();
	int rc = EXIT_OK;
	int n = cmd_options(argc, argv, opts, usage, &rc);

	if (n >= 0 && (!to == (steps < 0) || steps == 0)) {
		err_set(&err, EXIT_USAGE, steps == 0 ? "--steps must be at least 1" : "give exactly one of --to NAME or --steps N");
		err_hint(&err, "usage: %s", usage);
		rc = common_fail(&err);
		n = -1;
	}
	if (n < 0) {
		json_decref(jdone);
		strlist_free(&approve);
		return rc;
	}
	if (session_open(&ss, &c, dry_run, lock_wait_ms, &err) < 0) {
		json_decref(jdone);
		strlist_free(&approve);
		return common_fail(&err);
	}
	cmd_events_init(&ev, c.json, NULL);
	ev.strict = go.strict;
	if (pick(&ss, to, steps, steps > 0, &downs, &ndown, &err) < 0 || prepare(downs, ndown, &err) < 0 ||
	    gate(&ss, &go, downs, ndown, &ev.sink, &err) < 0)
		goto fail;
	if (dry_run || !ndown) {
		if (!c.json) {
			if (!ndown)
				out_printf("nothing to roll back\n");
			else
				out_printf("dry run: would revert %zu migration%s, newest first:\n", ndown, ndown == 1 ? "" : "s");
		}
		for (size_t i = 0; dry_run && i < ndown; i++) {
			if (c.json)
				json_array_append_new(jdone, json_pack("{s:s, s:I}", "name", downs[i].e->name, "statements",
								       (json_int_t)downs[i].script.n));
			else
				out_printf("  %s (%zu statement%s in down.sql)\n", downs[i].e->name, downs[i].script.n,
					   downs[i].script.n == 1 ? "" : "s");
		}
		goto done;
	}
	{
		struct lock_retry sched;

		lock_retry_init(&sched, lock_timeout_ms, lock_retries, lock_retry_delay_ms, db_deadlock_timeout_ms(ss.conn));
		lock_retry_warn(&sched, &ev.sink);
		for (size_t i = 0; i < ndown; i++) {
			struct migration *m = downs[i].e->mig;
			struct apply_job job = { APPLY_DOWN, m, m->down_path, downs[i].sql.data, &downs[i].script };
			struct try_down t = { &ss, &job, { 0, statement_timeout_ms, NULL } };
			double t0 = now_ms();

			struct lock_retry lr = sched;

			/* -- pgshift:lock-timeout in the down.sql fixes the timeout, as in a migration.sql */
			if (downs[i].lock_timeout_ms >= 0)
				lr.fixed_ms = downs[i].lock_timeout_ms;
			if (lock_retry_run(ss.conn, &lr, m->name, &downs[i].script, try_down, &t, &ev.sink, &err) < 0) {
				if (reverted && !c.json)
					out_printf("%zu migration%s reverted before the failure; %zu not touched\n", reverted,
						   reverted == 1 ? "" : "s", ndown - reverted - 1);
				goto fail;
			}
			reverted++;
			if (c.json)
				json_array_append_new(jdone, json_pack("{s:s, s:I}", "name", m->name, "duration_ms",
								       (json_int_t)(now_ms() - t0 + 0.5)));
			else
				out_printf("%sreverted%s %s (%.0f ms)\n", out_c(C_YELLOW), out_reset(), m->name, now_ms() - t0);
		}
	}
	if (!c.json)
		out_printf("%zu migration%s rolled back; \"pgshift deploy\" applies %s again\n", reverted,
			   reverted == 1 ? "" : "s", reverted == 1 ? "it" : "them");
	goto done;
fail:
	rc = common_fail(&err);
done:
	if (c.json) {
		json_t *o = json_pack("{s:b, s:b, s:o}", "ok", rc == EXIT_OK, "dry_run", dry_run,
				      dry_run ? "would_revert" : "reverted", jdone);
		common_print_json(o);
	} else {
		json_decref(jdone);
	}
	for (size_t i = 0; i < ndown; i++) {
		buf_release(&downs[i].sql);
		script_free(&downs[i].script);
	}
	free(downs);
	session_close(&ss);
	strlist_free(&approve);
	return rc;
}
