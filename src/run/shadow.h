/*
 * shadow: picking and filling the scratch databases (db/scratch.h) of the
 * engines: --shadow-url or PGSHIFT_SHADOW_URL, else the dev cluster, else
 * the target's server, the passwords of each registered for redaction;
 * the migrations or SQL files put into one; its model read, also on a
 * second thread while the caller fills another.  Used by drift and health,
 * diff (run/sides.h), down and new --from-schema (run/generate.h).  Never
 * prints.
 */
#ifndef PGSHIFT_RUN_SHADOW_H
#define PGSHIFT_RUN_SHADOW_H

#include <pthread.h>
#include <stdbool.h>

#include "core/migset.h"
#include "db/conn.h"
#include "db/history.h"
#include "db/scratch.h"
#include "run/session.h"
#include "schema/model.h"

/*
 * Opens a scratch database for the target (conn, t): the shadow URL
 * (shadow_url, else PGSHIFT_SHADOW_URL), else one created on the dev
 * cluster, else (unless only_ready) one created on the target's server.
 * Returns 1 when s is open, 0 when only_ready and neither a shadow URL nor
 * the dev cluster is there (err unset), -1 with err.
 */
int shadow_open(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
		bool only_ready, struct scratch *s, struct pgs_error *err);

/*
 * Ends the use of s opened by shadow_open after work that gave rc (>= 0 ok,
 * -1 with err): drops a created scratch; a failed drop becomes the error
 * (or a hint of the first one), a signal makes it code 130, naming what
 * became of the database.  Returns rc, or -1 with err.
 */
int shadow_close(struct scratch *s, int rc, struct pgs_error *err);
/* The same for the n scratches v[], dropped at the same time (scratch_close_all). */
int shadow_close_all(struct scratch *const *v, size_t n, int rc, struct pgs_error *err);

/* What a schema comes from (diff's --from and --to). */
enum schema_source {
	SOURCE_URL,		/* postgres://..., postgresql://... or a key=value connection string */
	SOURCE_SQL,		/* a .sql file or a directory of them */
	SOURCE_MIGRATIONS,	/* the word "migrations": the project's migrations, all of them in order */
};
enum schema_source shadow_source_kind(const char *src);

/* What goes into a scratch database before its model is read. */
struct shadow_fill {
	const char *sql_path;			/* a .sql file or directory (replay_sql_path), or NULL */
	const struct history_table *ht;		/* else the migrations, replayed with this history table */
	const struct migration *const *migs;
	size_t nmigs;
};
int shadow_fill_db(PGconn *conn, const struct shadow_fill *fill, struct pgs_error *err);

/*
 * Opens a scratch database (shadow_open; conn and t may be NULL: then only
 * a shadow or the dev cluster), fills it, reads its model into m with
 * filter f (m initialised here; free it also after a failure) and closes
 * it.  -1 with err (code 130 after a signal).
 */
int shadow_model(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
		 const struct shadow_fill *fill, const struct schema_filter *f, struct schema_model *m,
		 struct pgs_error *err);

/*
 * A fill and model read of an open scratch running on a second thread
 * while the caller works on another scratch (new --from-schema loads the
 * schema file and replays the migrations at the same time), or the model
 * read of a database as it is (diff reads its two sides at the same time,
 * run/sides.h).  The thread blocks SIGINT and SIGTERM, so that they reach
 * the caller's thread, whose handler (db/scratch.h) cancels the statements
 * of every open scratch.
 */
struct shadow_load {
	const struct scratch *s;		/* the scratch filled and read, open (borrowed); or NULL: */
	PGconn *conn;				/* the database read as it is (borrowed; s NULL, fill NULL) */
	const struct shadow_fill *fill;		/* borrowed until shadow_load_finish */
	const struct schema_filter *f;
	struct schema_model *m;			/* filled (initialised here; free it also after a failure) */
	/* private */
	struct pgs_error err;
	int rc;
	bool threaded;
	pthread_t tid;
};
/* Starts l (s or conn, fill, f, m set by the caller); runs it on the spot when no thread can be made. */
void shadow_load_start(struct shadow_load *l);
/* Waits for l: 0, or -1 with err (code 130 after a signal). */
int shadow_load_finish(struct shadow_load *l, struct pgs_error *err);
/* Runs l on the calling thread (the other half of a pair started with shadow_load_start): as finish. */
int shadow_load_run(struct shadow_load *l, struct pgs_error *err);

#endif
