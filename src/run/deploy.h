/*
 * deploy: applying the pending migrations of an open session, the engine of
 * deploy and reset.  It reports through the caller's sink: RUN_APPLIED for
 * each migration committed, RUN_PLANNED for each a dry run would apply,
 * RUN_INFO lines on what it does, RUN_RETRY while a lock is not granted,
 * and the safety gate's findings.
 */
#ifndef PGSHIFT_RUN_DEPLOY_H
#define PGSHIFT_RUN_DEPLOY_H

#include <stdbool.h>

#include "core/plan.h"
#include "core/script.h"
#include "run/backfill.h"
#include "run/event.h"
#include "run/lockretry.h"
#include "run/session.h"
#include "util/opts.h"

struct deploy_opts {
	bool gate;			/* lint the pending migrations first; review findings stop it */
	bool strict;			/* warnings stop it too */
	const struct strlist *approve;	/* --approve NAME... */
	bool dry_run;
	bool allow_out_of_order;
	/*
	 * Runs a `-- pgshift:backfill` statement's backfill (the command's
	 * printer and its Ctrl-C handling); NULL: backfill_run reporting to
	 * the deploy's sink, never stopped early.
	 */
	backfill_runner backfill;
	void *backfill_ctx;
	long lock_timeout_ms;		/* -1: the growing schedule of run/lockretry.h */
	long statement_timeout_ms;
	int lock_retries;		/* tries on lock_not_available (55P03); at least 1 */
	long lock_retry_delay_ms;	/* first sleep between tries; grows, with jitter */
};

#define DEPLOY_OPTS_INIT { .lock_timeout_ms = -1, .lock_retries = LOCK_RETRY_TRIES, .lock_retry_delay_ms = LOCK_RETRY_SLEEP_MS }

/*
 * Refuses a plan with history problems, parses every pending migration,
 * then applies them in order (or, for a dry run, lists them).  Returns the
 * number applied (or that would be), or -1 with err set.
 */
int deploy_pending(struct session *ss, const struct deploy_opts *o, const struct run_sink *sink, struct pgs_error *err);

/*
 * Whether deploy resumes the failed migration e instead of refusing it: its
 * file is on disk and commits in steps (script_commits_in_steps).  When it
 * does, *step is the statement it resumes at (0-based: the applied ones are
 * before it) and, when s is not NULL, *s holds the statements (the caller
 * frees it with script_free); when not, *s is left empty.
 */
bool deploy_resumes(const struct plan_entry *e, int server_version, size_t *step, struct script *s);

/*
 * Starts the deployment's row (pgshift_deployments, created if missing) of
 * the open, locked session ss, with the git commit being deployed in
 * *commit (PGSHIFT_GIT_COMMIT, else GITHUB_SHA, else HEAD of the
 * repository the migrations are in; NULL when none is known) and its id in
 * *id (both new strings, the caller's).  prev gets the latest earlier
 * deployment with a hook to send, whose hook a deploy that applies nothing
 * sends again when it was not delivered.  Returns 0, or -1 with err set.
 */
int deployment_begin(struct session *ss, struct deployment *prev, char **id, char **commit, struct pgs_error *err);

#endif
