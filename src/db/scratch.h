/*
 * scratch: a database pgshift may empty and fill, to replay migrations or
 * load SQL into and read its model (drift; diff and new --from-schema).
 *
 * It is either the shadow database the user named (--shadow-url,
 * PGSHIFT_SHADOW_URL), emptied first, or one pgshift creates, named
 * pgshift_scratch_<pid>_<random>, on the dev cluster when it is up, else on
 * the target's own server when the target is local and its role may create
 * databases; a created one is dropped by scratch_close, also after an error
 * or a signal.  Nothing else is ever emptied or dropped: a shadow that is
 * the target database itself is refused before anything is done to it.
 *
 * Up to SCRATCH_MAX scratch databases may be open at once (new
 * --from-schema and diff fill two at the same time).  While one is open,
 * SIGINT and SIGTERM do not end pgshift: they set a flag
 * (scratch_interrupted) and cancel the statement running on every open
 * scratch connection (and on the connections scratch_watch names), so that
 * the caller unwinds to scratch_close, which drops each database; the
 * previous handlers are put back when the last one is closed.  The caller
 * then exits 130.
 * scratch_open and scratch_close are called from one thread, the one the
 * signals are delivered to (a thread that uses a scratch connection
 * meanwhile blocks them: run/shadow.h).  Never prints.
 */
#ifndef PGSHIFT_SCRATCH_H
#define PGSHIFT_SCRATCH_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/url.h"
#include "util/err.h"

#define SCRATCH_MAX 4	/* scratch databases open at once */

struct scratch_request {
	PGconn *target_conn;		/* the target, connected: for the identity check, and to create on its server;
					   NULL (diff of two files): only a shadow or the dev cluster will do */
	const struct target *target;	/* NULL with target_conn */
	const struct target *shadow;	/* --shadow-url / PGSHIFT_SHADOW_URL resolved, or NULL */
	const struct target *dev;	/* the dev cluster when it is up, or NULL */
	bool on_target_server;		/* may create one on the target's server (local, CREATEDB) */
};

struct scratch {
	PGconn *conn;		/* the scratch database; owned */
	char *name;		/* its database name; owned */
	char *where;		/* for messages: "scratch database X on the dev cluster"; owned */
	bool created;		/* pgshift created it: scratch_close drops it */
	PGconn *admin;		/* created: a connection to another database of its server, for the DROP */
	bool admin_owned;	/* admin is ours to close (not the target's connection) */
	int slot;		/* 1 + its place in the registry of open scratches (signals); 0: none */
};

/*
 * Opens a scratch database as described above; on failure s holds nothing
 * (a database created on the way is dropped again) and err says why, with
 * a hint (pgshift dev up, or --shadow-url) when there is no place for one,
 * or when SCRATCH_MAX are open already.
 */
int scratch_open(const struct scratch_request *r, struct scratch *s, struct pgs_error *err);
/*
 * Closes the scratch connection and drops the database when pgshift created
 * it; restores the signal handlers when it was the last one open.  Safe on
 * a zeroed struct.  -1 with err
 * when the drop failed (err names the database to drop by hand).
 */
int scratch_close(struct scratch *s, struct pgs_error *err);
/*
 * Closes the n scratches v[] as scratch_close does each, the databases
 * pgshift created dropped at the same time, each from its own connection
 * to its server: DROP DATABASE makes the server sync every file written
 * since the last checkpoint but those of the database it drops, so two
 * dropped one after the other would have the second's files synced for
 * nothing (seconds on a large schema).  -1 with err naming the first
 * failure (a second one in its hint).
 */
int scratch_close_all(struct scratch *const *v, size_t n, struct pgs_error *err);
/*
 * Cancels the statement running on s's connection (a second thread fills
 * it and the caller gives up on that work); called from the thread that
 * opened s.  A no-op when nothing runs there.
 */
void scratch_cancel(const struct scratch *s);
/*
 * While a scratch is open, a signal also cancels the statement running on
 * conn, a database read meanwhile (diff reads a URL side while the other
 * side fills a scratch), so that its reader unwinds too.  -1 with err when
 * SCRATCH_MAX connections are watched already.  scratch_unwatch(conn)
 * before conn is closed.  Called from the thread scratch_open is called
 * from.
 */
int scratch_watch(PGconn *conn, struct pgs_error *err);
void scratch_unwatch(PGconn *conn);
/* True once SIGINT or SIGTERM came while a scratch was open. */
bool scratch_interrupted(void);
/*
 * Whether two connections reach the same database (same server instance,
 * same database): 1 yes, 0 no, -1 with err when it could not be asked.
 */
int scratch_same_database(PGconn *a, PGconn *b, struct pgs_error *err);
/* A scratch database name, pgshift_scratch_<pid>_<8 hex digits>; new string. */
char *scratch_new_name(void);

#endif
