/*
 * migrate: applying the pending migrations of an open session; shared by
 * deploy and reset.
 */
#ifndef PGSHIFT_MIGRATE_H
#define PGSHIFT_MIGRATE_H

#include <jansson.h>
#include <stdbool.h>

#include "cmd/common.h"
#include "cmd/lockretry.h"
#include "util/opts.h"

struct migrate_opts {
	bool gate;			/* lint the pending migrations first; review findings stop it */
	bool strict;			/* warnings stop it too */
	const struct strlist *approve;	/* --approve NAME... */
	bool dry_run;
	bool allow_out_of_order;
	bool json;			/* report into the JSON array instead of printing */
	long lock_timeout_ms;		/* -1: the growing schedule of cmd/lockretry.h */
	long statement_timeout_ms;
	int lock_retries;		/* tries on lock_not_available (55P03); at least 1 */
	long lock_retry_delay_ms;	/* first sleep between tries; grows, with jitter */
};

#define MIGRATE_LOCK_OPTS(o) \
	LOCK_RETRY_OPTS(&(o)->lock_timeout_ms, &(o)->lock_retries, &(o)->lock_retry_delay_ms), \
	OPT_DURATION(0, "statement-timeout", &(o)->statement_timeout_ms, "DURATION", \
		     "statement_timeout of each migration (default none)")

#define MIGRATE_OPTS_INIT { .lock_timeout_ms = -1, .lock_retries = LOCK_RETRY_TRIES, .lock_retry_delay_ms = LOCK_RETRY_SLEEP_MS }

/*
 * Refuses a plan with history problems, parses every pending migration,
 * then applies them in order (or, for a dry run, lists them).  Progress is
 * printed, or appended to jlist as objects when o->json.  Returns the number
 * applied (or that would be), or -1 with err set.
 */
int migrate_pending(struct session *ss, const struct migrate_opts *o, json_t *jlist, struct pgs_error *err);

#endif
