/*
 * shadow: the command side of scratch databases (db/scratch.h): the
 * --shadow-url option and PGSHIFT_SHADOW_URL, the dev cluster, and the
 * passwords of both registered for redaction.  Used by drift and health
 * (and by the commands that diff against replayed migrations).
 */
#ifndef PGSHIFT_CMD_SHADOW_H
#define PGSHIFT_CMD_SHADOW_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "cmd/common.h"
#include "db/scratch.h"

#define SHADOW_OPT(v) \
	OPT_STRING(0, "shadow-url", (v), "URL", "a database pgshift may empty and replay into (default " \
		   "$PGSHIFT_SHADOW_URL; else a temporary one on the dev cluster, or on the target's server when it " \
		   "is local and the role may create databases)")

/*
 * Opens a scratch database for the target (conn, t): the shadow URL
 * (shadow_url, else PGSHIFT_SHADOW_URL), else one created on the dev
 * cluster, else (unless only_ready) one created on the target's server.
 * Returns 1 when s is open, 0 when only_ready and neither a shadow URL nor
 * the dev cluster is there (err unset), -1 with err.
 */
int shadow_open(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
		bool only_ready, struct scratch *s, struct pgs_error *err);

#endif
