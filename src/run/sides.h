/*
 * sides: the two schemas diff compares (--from and --to), read at the same
 * time.  A side is a database URL, read as it is, or SQL files or the
 * project's migrations, loaded into a scratch database (run/shadow.h).
 *
 * The URL sides are connected first (on the calling thread); then the two
 * sides are read at the same time, one of them on a second thread
 * (shadow_load_start), each on its own connection: two databases read, a
 * database read while a scratch fills, or two scratch databases created and
 * filled together (as new --from-schema does), dropped together at the end
 * (shadow_close_all).  A shadow database the user named (--shadow-url,
 * PGSHIFT_SHADOW_URL) serves both scratch sides in turn: filled, read,
 * emptied, filled again.  A scratch database goes on the server of the
 * first URL side, else on that of the configured database (or a shadow, or
 * the dev cluster: shadow_open).  A signal while a scratch is open cancels
 * every fill and drops every scratch database (code 130).  Never prints.
 */
#ifndef PGSHIFT_RUN_SIDES_H
#define PGSHIFT_RUN_SIDES_H

#include "core/migset.h"
#include "db/history.h"
#include "run/session.h"
#include "run/shadow.h"
#include "schema/model.h"

struct diff_side {
	const char *src;		/* a database URL, a .sql file or directory, or "migrations" */
	const char *which;		/* "--from", "--to": what names the side in an error */
	enum schema_source kind;	/* shadow_source_kind(src) */
};

struct sides_request {
	const struct common_opts *c;		/* connection options; c->url: the configured database */
	const char *shadow_url;			/* --shadow-url, or NULL (then PGSHIFT_SHADOW_URL) */
	const struct migset *set;		/* the migrations of a SOURCE_MIGRATIONS side, all replayed */
	const struct history_table *ht;		/* their history table */
	const struct schema_filter *f;		/* what is read of each side */
	struct diff_side sides[2];		/* --from, --to */
};

/*
 * Reads the models of the two sides into m[0] (--from) and m[1] (--to),
 * initialised here (free them also after a failure).  -1 with err: a URL
 * side's failure prefixed "--from: " (or "--to: "), a scratch side's
 * "--from FILE: " (the file, or "migrations"); when both fail, the error
 * told is that of the side read first before they were read together (the
 * URL sides, then the scratch sides, --from before --to); code 130 after a
 * signal, saying that each scratch database was dropped.
 */
int sides_load(const struct sides_request *r, struct schema_model m[2], struct pgs_error *err);

#endif
