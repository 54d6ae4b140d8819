/*
 * backfill: printing a backfill's events (the engine is run/backfill.h),
 * for `pgshift backfill` and deploy's `-- pgshift:backfill` statements.
 */
#ifndef PGSHIFT_CMD_BACKFILL_H
#define PGSHIFT_CMD_BACKFILL_H

#include <stdbool.h>

#include "run/backfill.h"

/*
 * The sink that prints a backfill's events: one JSON object per progress
 * report (json), else a line per report, or a progress bar when stdout is a
 * terminal; on stderr instead of stdout when to_stderr (stdout belongs to
 * the caller, e.g. deploy --json).  Waits, retries and warnings go to
 * stderr.  backfill_printer_init also sets o->report_ms to suit (the bar
 * redraws often).
 */
struct backfill_printer {
	struct run_sink sink;	/* sink.ctx is the printer itself */
	bool json, bar, to_stderr;
};

void backfill_printer_init(struct backfill_printer *p, struct backfill_opts *o, bool json, bool to_stderr);

/*
 * backfill_run printed by a backfill_printer, with SIGINT and SIGTERM
 * finishing the batch in flight and stopping (returns 1, as backfill_run
 * does for its stop flag).  Sets o->stop and o->report_ms.
 */
int backfill_run_printed(PGconn *conn, const struct history_table *ht, const struct backfill_spec *spec,
			 struct backfill_opts *o, bool json, bool to_stderr, struct pgs_error *err);

/*
 * A backfill_runner for deploy and reset: backfill_run_printed in text,
 * on stderr when *(const bool *)json_result (stdout holds the JSON result).
 */
int backfill_run_for_deploy(void *json_result, PGconn *conn, const struct history_table *ht,
			    const struct backfill_spec *spec, struct backfill_opts *o, struct pgs_error *err);

#endif
