/*
 * backfill: change every row of a large table in small, safe steps.
 *
 * pgshift backfill --table T --set "col = expr" [--where COND]: the options,
 * Ctrl-C (finishes the batch in flight, then stops; run again to resume) and
 * the output (a progress bar on a terminal, lines in a log, JSON objects) of
 * the engine in run/backfill.c, which does the work.
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
#include "core/script.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift backfill --table T --set \"col = expr\" [--where COND] [options]";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* One line of output: stdout, or stderr when the caller's stdout is not for it (deploy --json). */
static void progress_line(const struct backfill_printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress_line(const struct backfill_printer *p, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (p->to_stderr)
		out_eprintf("%s", b.data);
	else
		out_printf("%s", b.data);
	buf_release(&b);
}

static void print_progress(const struct backfill_printer *p, const char *name, const struct run_progress *pr)
{
	if (p->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:f, s:b}", "backfill", name, "rows_done",
				      (json_int_t)pr->done, "rows_this_run", (json_int_t)pr->this_run, "rows_estimated",
				      (json_int_t)pr->total, "rows_per_second", pr->rate, "batch", (json_int_t)pr->batch,
				      "eta_seconds", pr->eta_s, "finished", pr->final);
		char *s = json_dumps(j, JSON_COMPACT);
		progress_line(p, "%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	if (p->bar) {
		int width = 30, filled = pr->total > 0 ?
			(int)(width * (pr->done > pr->total ? 1.0 : (double)pr->done / pr->total)) : 0;
		char bar[64];

		memset(bar, '#', (size_t)filled);
		memset(bar + filled, '.', (size_t)(width - filled));
		bar[width] = '\0';
		out_printf("\r[%s] %lld / ~%lld rows  %.0f rows/s  batch %ld  eta %.0f s   %s", bar, pr->done, pr->total,
			   pr->rate, pr->batch, pr->eta_s, pr->final ? "\n" : "");
		fflush(stdout);
	} else {
		progress_line(p, "backfill %s: %lld of ~%lld rows, %.0f rows/s, batch %ld%s\n", name, pr->done, pr->total,
			      pr->rate, pr->batch, pr->final ? ", done" : "");
	}
	if (!pr->final)
		return;
	if (pr->done > pr->this_run)
		progress_line(p, "backfill %s finished: %lld rows updated (%lld in this run, in %.1f s); longest "
				 "batch (row locks held) %.0f ms\n", name, pr->done, pr->this_run, pr->elapsed_s,
			      pr->longest_ms);
	else
		progress_line(p, "backfill %s finished: %lld rows updated in %.1f s; longest batch (row locks held) "
				 "%.0f ms\n", name, pr->done, pr->elapsed_s, pr->longest_ms);
}

static void print_event(const struct run_event *ev, void *ctx)
{
	const struct backfill_printer *p = ctx;

	if (ev->kind == RUN_PROGRESS) {
		print_progress(p, ev->name, &ev->progress);
	} else if (ev->kind == RUN_RETRY || (ev->kind == RUN_NOTICE && ev->level == RUN_STATUS)) {
		out_eprintf("pgshift: %s\n", ev->text);
	} else if (ev->kind == RUN_NOTICE && ev->level == RUN_WARNING) {
		out_warning("%s", ev->text);
	} else if (ev->kind == RUN_NOTICE && ev->level == RUN_HINT) {
		out_hint("%s", ev->text);
	} else if (ev->kind == RUN_NOTICE) {
		progress_line(p, "%s\n", ev->text);
	}
}

void backfill_printer_init(struct backfill_printer *p, struct backfill_opts *o, bool json, bool to_stderr)
{
	p->sink = (struct run_sink){ print_event, p };
	p->json = json;
	p->to_stderr = to_stderr;
	p->bar = !json && !to_stderr && (out_colour_enabled(stdout) || isatty(1));
	o->report_ms = p->bar ? 200 : 5000;
}

int backfill_run_printed(PGconn *conn, const struct history_table *ht, const struct backfill_spec *spec,
			 struct backfill_opts *o, bool json, bool to_stderr, struct pgs_error *err)
{
	struct backfill_printer p;
	struct sigaction sa, old_int, old_term;
	int r;

	backfill_printer_init(&p, o, json, to_stderr);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;	/* the batch in flight finishes; the engine stops after it */
	stop_requested = 0;
	o->stop = &stop_requested;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	r = backfill_run(conn, ht, spec, o, &p.sink, err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	o->stop = NULL;
	return r;
}

int backfill_run_for_deploy(void *json_result, PGconn *conn, const struct history_table *ht,
			    const struct backfill_spec *spec, struct backfill_opts *o, struct pgs_error *err)
{
	return backfill_run_printed(conn, ht, spec, o, false, *(const bool *)json_result, err);
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
	if (backfill_validate(spec.set, spec.where, &err) < 0)
		return common_fail(&err);
	bo.batch = batch;
	if (session_open(&ss, &c, false, 0, &err) < 0)
		return common_fail(&err);
	r = backfill_run_printed(ss.conn, &ss.ht, &spec, &bo, c.json, false, &err);
	session_close(&ss);
	if (r == 1) {
		out_eprintf("pgshift: %s\n", err.message);
		out_hint("run the same command again to resume (or add --restart to start over)");
		err_clear(&err);
		return EXIT_INTERRUPTED;
	}
	return r < 0 ? common_fail(&err) : EXIT_OK;
}
