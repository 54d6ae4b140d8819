/*
 * drift: the live database against what its applied migrations make
 * (pgshift drift; the drift check of pgshift health).
 */
#ifndef PGSHIFT_CMD_DRIFT_H
#define PGSHIFT_CMD_DRIFT_H

#include <stdbool.h>

#include "cmd/common.h"
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
 * database (cmd/shadow.h; only_ready: only a shadow URL or the dev
 * cluster), reads both models with filter f, and fills d (free it with
 * drift_free, also after a failure).  The scratch database is dropped
 * before it returns.  1: compared; 0: only_ready and no scratch database
 * to use; -1 with err (code 130 after SIGINT or SIGTERM).
 */
int drift_compute(struct session *ss, const struct common_opts *c, const char *shadow_url, bool only_ready,
		  const struct schema_filter *f, struct drift *d, struct pgs_error *err);
void drift_free(struct drift *d);

#endif
