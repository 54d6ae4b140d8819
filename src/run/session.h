/*
 * session: one database as the engines of run/ see it: the target resolved
 * (its password registered as a secret), the connection (checked for a
 * transaction pooler), the project's history table, the deploy lock, the
 * migrations and the plan.  Nothing here prints: waiting for the lock and
 * what cannot be read are events on the session's sink (run/event.h).
 */
#ifndef PGSHIFT_RUN_SESSION_H
#define PGSHIFT_RUN_SESSION_H

#include <stdbool.h>

#include "core/migset.h"
#include "core/plan.h"
#include "db/conn.h"
#include "db/history.h"
#include "db/url.h"
#include "run/event.h"

/* The connection and directory options every command shares (their table: cmd/common.h). */
struct common_opts {
	const char *url;
	const char *dir;
	const char *history_schema;
	bool insecure;
	bool allow_pooled;
	long connect_timeout_ms;
	bool json;
};

/* Resolves the target only (registering its password as a secret, util/secret.h). */
int common_target(const struct common_opts *c, struct target *t, struct pgs_error *err);
/* Resolves the target and connects. */
PGconn *common_connect(const struct common_opts *c, struct target *t, struct pgs_error *err);
/*
 * For commands that use a database when one is configured (changed, hook):
 * as common_connect, but when nothing names a database (no --url, no URL
 * variable, no PG* variables, no dev cluster) returns NULL with err unset.
 */
PGconn *common_connect_if_configured(const struct common_opts *c, struct target *t, struct pgs_error *err);
/* Picks the directory and loads the migrations. */
int common_load(const struct common_opts *c, struct migset *set, struct pgs_error *err);
/*
 * Loads the migrations and connects at the same time (the scan runs on a
 * second thread while the connection is set up), so that a large
 * migrations directory costs no more than the connection itself.  On
 * failure *conn is NULL and err says what failed (a bad file first).
 */
int common_load_connect(const struct common_opts *c, struct migset *set, PGconn **conn, struct target *t,
			struct pgs_error *err);
/*
 * The same, running then(conn, ctx, err) on the connection while the scan
 * may still run (then must not use the migrations).  A failure of then is
 * reported after a bad file, and *conn is kept open for the caller to close.
 */
int common_load_connect_then(const struct common_opts *c, struct migset *set, PGconn **conn, struct target *t,
			     int (*then)(PGconn *conn, void *ctx, struct pgs_error *err), void *ctx,
			     struct pgs_error *err);
/*
 * The project's history table: _prisma_migrations when the migrations
 * directory (--dir, PGSHIFT_DIR, prisma/migrations, migrations) has
 * migration_lock.toml, else pgshift_migrations; in --history-schema.  The
 * one place that picks it, so that no command reads or creates another.
 */
void common_history_table(const struct common_opts *c, struct history_table *ht);

/*
 * A command's view of one database: the migrations, the connection, the
 * history under the deploy lock, and the plan.  Commands that change the
 * history (deploy, rollback, resolve) open it locked, so their plan cannot
 * go stale under a concurrent deploy.
 */
struct session {
	struct migset set;
	struct target t;
	PGconn *conn;
	struct history_table ht;
	struct history hist;
	struct plan plan;
	bool locked;
	char *lock_holder;	/* unlocked sessions: who holds the migration lock, or NULL */
	const struct run_sink *sink;	/* the request's: told of waits and of what could not be done */
};

/* What to open. */
struct session_request {
	const struct common_opts *c;
	bool migrations;	/* load the migrations (while connecting), read the history, compute the plan */
	bool lock;		/* check for a transaction pooler, take the advisory lock, create the history table */
	long lock_wait_ms;	/* how long to wait for the lock (0: not at all) */
	/* run on the connection before anything else is done with it (NULL: nothing) */
	int (*check)(PGconn *conn, void *ctx, struct pgs_error *err);
	void *check_ctx;
	const struct run_sink *sink;	/* a RUN_STATUS notice while waiting for the lock, RUN_WARNINGs; NULL: silent */
};

/*
 * Opens a session: loads the migrations (r->migrations) while it connects,
 * picks the project's history table (common_history_table), and with
 * r->lock checks for a transaction pooler, takes the advisory lock (waiting
 * up to r->lock_wait_ms) and creates the history table if missing; with the
 * migrations, reads the history and computes the plan.  Without the lock, a
 * deploy that holds it is named in lock_holder and its migration in progress
 * is running, not failed.  On failure everything is released.
 */
int session_start(struct session *s, const struct session_request *r, struct pgs_error *err);
/* Reads the history again (creating the table if it is gone) and recomputes the plan. */
int session_reload(struct session *s, struct pgs_error *err);
/* Releases the lock and everything else; safe on a zeroed or failed session. */
void session_close(struct session *s);

#endif
