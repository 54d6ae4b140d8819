/*
 * backfill: the engine behind `pgshift backfill` and the `-- pgshift:backfill`
 * statements of a migration, shared by both.
 */
#ifndef PGSHIFT_CMD_BACKFILL_H
#define PGSHIFT_CMD_BACKFILL_H

#include <stdbool.h>

#include "db/conn.h"
#include "util/err.h"

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
	int max_retries;	/* of a batch that timed out on a lock */
	bool exact;		/* count the rows for the estimate */
	bool restart;		/* start over instead of resuming */
	bool json;		/* progress as JSON objects */
	bool to_stderr;		/* progress on stderr (stdout belongs to the caller) */
};

#define BACKFILL_OPTS_INIT { .batch = 1000, .target_ms = 200, .lock_timeout_ms = 2000, .max_retries = 10 }

/*
 * Runs the backfill to its end, or resumes it: keyset batches committed
 * with their progress in pgshift_backfills (in history_schema).  SIGINT and
 * SIGTERM finish the batch in flight and stop.  Returns 0 when done (or
 * done earlier), 1 when stopped by a signal (err says how far, code EXIT_INTERRUPTED),
 * -1 on error.
 */
int backfill_run(PGconn *conn, const char *history_schema, const struct backfill_spec *spec,
		 const struct backfill_opts *o, struct pgs_error *err);

#endif
