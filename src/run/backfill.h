/*
 * backfill: the engine behind `pgshift backfill` and the `-- pgshift:backfill`
 * statements of a migration.
 *
 * Keyset batches committed with their progress, the batch size adapted
 * towards a target duration, waits for lagging replicas, retries of a batch
 * that timed out on a row lock, resuming where an earlier run stopped.  It
 * never prints and never handles signals: it reports through the caller's
 * sink, and stops between batches when the caller's stop flag is set.
 */
#ifndef PGSHIFT_RUN_BACKFILL_H
#define PGSHIFT_RUN_BACKFILL_H

#include <signal.h>
#include <stdbool.h>

#include "db/conn.h"
#include "run/event.h"
#include "util/err.h"

struct history_table;

struct backfill_spec {
	const char *table;	/* as SQL reads it; resolved with to_regclass */
	const char *set;	/* what follows SET in an UPDATE */
	const char *where;	/* NULL: every row */
	const char *name;	/* the progress record's name; NULL: derived from table and SET */
};

struct backfill_opts {
	long batch;		/* first batch size */
	long target_ms;		/* adapt the batch size towards this; 0: fixed */
	long sleep_ms;		/* pause between batches */
	long lock_timeout_ms;	/* of each batch */
	long max_lag_ms;	/* wait before a batch while a replica lags more; 0: do not look */
	long report_ms;		/* at most one RUN_PROGRESS per this long, besides the last */
	int max_retries;	/* of a batch that timed out on a lock */
	bool exact;		/* count the rows for the estimate */
	bool restart;		/* start over instead of resuming */
	const volatile sig_atomic_t *stop;	/* set (by the caller's signal handler): stop after the batch in flight; NULL: never */
};

#define BACKFILL_OPTS_INIT \
	{ .batch = 1000, .target_ms = 200, .lock_timeout_ms = 2000, .report_ms = 5000, .max_retries = 10 }

/*
 * Checks --set and --where before anything connects: each stays in its
 * place, and together they make one plain UPDATE of one table.  -1 with err
 * (EXIT_USAGE) when not.
 */
int backfill_validate(const char *set, const char *where, struct pgs_error *err);

/*
 * Runs the backfill to its end, or resumes it: keyset batches committed
 * with their progress in pgshift_backfills (beside the history table;
 * Prisma projects: schema pgshift).  Reports to sink: RUN_PROGRESS, RUN_RETRY,
 * RUN_NOTICE (RUN_INFO: resuming or finished earlier; RUN_STATUS: replica
 * waits; RUN_WARNING and RUN_HINT: idle replication slots).  Returns 0 when
 * done (or done earlier), 1 when stopped by *o->stop (err says how far, code
 * EXIT_INTERRUPTED), -1 on error.
 */
int backfill_run(PGconn *conn, const struct history_table *ht, const struct backfill_spec *spec,
		 const struct backfill_opts *o, const struct run_sink *sink, struct pgs_error *err);

/* What runs a backfill for an engine that meets one (deploy): backfill_run with the caller's printer. */
typedef int (*backfill_runner)(void *ctx, PGconn *conn, const struct history_table *ht,
			       const struct backfill_spec *spec, struct backfill_opts *o, struct pgs_error *err);

#endif
