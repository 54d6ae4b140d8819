/*
 * rollback: revert applied migrations, newest first, with their down.sql
 * (the engine: run/rollback.h).  This file holds the options and the
 * output: the events of the engine as lines (cmd/events.h), or with --json
 * one object listing what was reverted (or, in a dry run, would be).
 */
#include <stdlib.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "run/rollback.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift rollback --to NAME | --steps N [options]";

int cmd_rollback(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct rollback_opts ro = ROLLBACK_OPTS_INIT;
	struct strlist approve = { 0 };
	long lock_wait_ms = 60000;
	struct opt opts[] = {
		OPT_STRING(0, "to", &ro.to, "NAME", "revert every applied migration newer than NAME (NAME stays applied)"),
		OPT_INT(0, "steps", &ro.steps, "N", "revert the N newest applied migrations"),
		OPT_BOOL('n', "dry-run", &ro.dry_run, "print the plan and change nothing"),
		OPT_BOOL(0, "json", &c.json, "print the result as JSON"),
		COMMON_DIR_OPTS(&c),
		OPT_DURATION(0, "lock-wait", &lock_wait_ms, "DURATION", "wait this long for a concurrent deploy (default 60s)"),
		LOCK_RETRY_OPTS(&ro.lock_timeout_ms, &ro.lock_retries, &ro.lock_retry_delay_ms),
		OPT_DURATION(0, "statement-timeout", &ro.statement_timeout_ms, "DURATION",
			     "statement_timeout of each down's transaction (default none)"),
		OPT_GROUP("safety gate"),
		OPT_LIST(0, "approve", &approve, "NAME", "approve the review-level findings of NAME's down.sql (repeatable)"),
		OPT_BOOL(0, "strict", &ro.strict, "warnings block the rollback too"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct cmd_events ev;
	struct session ss;
	json_t *jdone = json_array();
	int rc = EXIT_OK, reverted;
	int n = cmd_options(argc, argv, opts, usage, &rc);

	ro.approve = &approve;
	if (n >= 0 && (!ro.to == (ro.steps < 0) || ro.steps == 0)) {
		err_set(&err, EXIT_USAGE, ro.steps == 0 ? "--steps must be at least 1" : "give exactly one of --to NAME or --steps N");
		err_hint(&err, "usage: %s", usage);
		rc = common_fail(&err);
		n = -1;
	}
	if (n < 0) {
		json_decref(jdone);
		strlist_free(&approve);
		return rc;
	}
	if (session_open(&ss, &c, ro.dry_run, lock_wait_ms, &err) < 0) {
		json_decref(jdone);
		strlist_free(&approve);
		return common_fail(&err);
	}
	cmd_events_init(&ev, c.json, jdone);
	ev.strict = ro.strict;
	reverted = rollback_run(&ss, &ro, &ev.sink, &err);
	if (reverted < 0)
		rc = common_fail(&err);
	else if (!ro.dry_run && reverted && !c.json)
		out_printf("%d migration%s rolled back; \"pgshift deploy\" applies %s again\n", reverted,
			   reverted == 1 ? "" : "s", reverted == 1 ? "it" : "them");
	if (c.json) {
		json_t *o = json_pack("{s:b, s:b, s:o}", "ok", rc == EXIT_OK, "dry_run", ro.dry_run,
				      ro.dry_run ? "would_revert" : "reverted", jdone);
		common_print_json(o);
	} else {
		json_decref(jdone);
	}
	session_close(&ss);
	strlist_free(&approve);
	return rc;
}
