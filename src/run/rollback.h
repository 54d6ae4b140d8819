/*
 * rollback: reverting applied migrations of an open session, newest first,
 * with their down.sql, the engine of rollback.  It reports through the
 * caller's sink: RUN_APPLIED with down set for each down.sql committed,
 * RUN_PLANNED with down set for each a dry run would run, RUN_INFO lines,
 * RUN_RETRY while a lock is not granted, and the safety gate's findings.
 */
#ifndef PGSHIFT_RUN_ROLLBACK_H
#define PGSHIFT_RUN_ROLLBACK_H

#include <stdbool.h>

#include "run/event.h"
#include "run/lockretry.h"
#include "run/session.h"
#include "util/opts.h"

struct rollback_opts {
	const char *to;			/* keep this migration applied and revert every newer one; or NULL */
	int steps;			/* without to: revert the N newest applied migrations (at least 1) */
	bool dry_run;
	const struct strlist *approve;	/* --approve NAME...: review findings of NAME's down.sql approved */
	bool strict;			/* warnings stop it too */
	long lock_timeout_ms;		/* -1: the growing schedule of run/lockretry.h */
	long statement_timeout_ms;
	int lock_retries;		/* tries on lock_not_available (55P03); at least 1 */
	long lock_retry_delay_ms;	/* first sleep between tries; grows, with jitter */
};

#define ROLLBACK_OPTS_INIT { .steps = -1, .lock_timeout_ms = -1, .lock_retries = LOCK_RETRY_TRIES, \
			     .lock_retry_delay_ms = LOCK_RETRY_SLEEP_MS }

/*
 * Checks everything before anything is touched: the target exists and is
 * applied, no migration in the way has a problem, every migration to revert
 * has a down.sql with SQL that parses, and the down.sql files pass the
 * safety gate (review-level findings need an approval or an allow in the
 * file).  Then each down.sql runs in its own transaction together with its
 * history change (rolled_back_at), with deploy's lock retries, so a failure
 * stops cleanly: everything before it reverted, everything after it
 * untouched.  Returns the number reverted (or, in a dry run, that would
 * be), or -1 with err set.
 */
int rollback_run(struct session *ss, const struct rollback_opts *o, const struct run_sink *sink, struct pgs_error *err);

#endif
