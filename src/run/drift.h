/*
 * drift: the live database against what its applied migrations make, the
 * engine of pgshift drift and of the drift check of pgshift health.
 */
#ifndef PGSHIFT_RUN_DRIFT_H
#define PGSHIFT_RUN_DRIFT_H

#include <stdbool.h>

#include "core/plan.h"
#include "db/conn.h"
#include "db/scratch.h"
#include "run/session.h"
#include "schema/model.h"

/* One difference: live only (extra), replayed only (missing), or both (changed). */
struct drift_item {
	const struct schema_object *live;	/* in drift.live, or NULL */
	const struct schema_object *replayed;	/* in drift.replayed, or NULL */
};

struct drift {
	struct schema_model live;
	struct schema_model replayed;
	struct drift_item *items;	/* in key order */
	size_t n, cap;
	size_t migrations;		/* how many were replayed */
	char *where;			/* the scratch database they were replayed into (for messages) */
};

/*
 * Replays the applied migrations of the open session ss into a scratch
 * database (run/shadow.h's shadow_open with c and shadow_url; only_ready:
 * only one that is at hand, none created on the target's server), reads both models with filter f, and
 * fills d (free it with drift_free, also after a failure).  The scratch
 * database is dropped before it returns.  1: compared; 0: only_ready and
 * no scratch database to use; -1 with err (code 130 after SIGINT or
 * SIGTERM).
 */
int drift_compute(struct session *ss, const struct common_opts *c, const char *shadow_url, bool only_ready,
		  const struct schema_filter *f, struct drift *d, struct pgs_error *err);
void drift_free(struct drift *d);
/*
 * Whether the history says what the schema should be: no failed, modified,
 * missing or running migration (else drift is not worth computing).
 */
bool drift_knowable(const struct plan *p);
/*
 * The SQL that takes the database to what its migrations make (from the
 * live model to the replayed one): a new string (caller frees), or NULL
 * with err when the plan cannot be made.
 */
char *drift_reconcile_sql(const struct drift *d, struct pgs_error *err);

#endif
