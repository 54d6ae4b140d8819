/*
 * common: what several commands share: the connection and directory
 * options, picking the target, loading the migrations and the history.
 * This is the glue between cmd_ files and the core and db layers.
 */
#ifndef PGSHIFT_COMMON_H
#define PGSHIFT_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "core/migset.h"
#include "core/plan.h"
#include "core/script.h"
#include "db/conn.h"
#include "db/history.h"
#include "db/index.h"
#include "db/url.h"
#include "util/opts.h"

struct common_opts {
	const char *url;
	const char *dir;
	const char *history_schema;
	bool insecure;
	bool allow_pooled;
	long connect_timeout_ms;
	bool json;
};

#define COMMON_DIR_OPTS(c) \
	OPT_STRING('d', "dir", &(c)->dir, "DIR", "migrations directory (default: $PGSHIFT_DIR, prisma/migrations, migrations)")

#define COMMON_CONN_OPTS(c) \
	OPT_GROUP("connection"), \
	OPT_STRING(0, "url", &(c)->url, "URL", "database URL (default: DATABASE_URL_UNPOOLED, DIRECT_URL, DATABASE_URL, PG*, dev cluster)"), \
	OPT_BOOL(0, "insecure", &(c)->insecure, "do not add sslmode=require for a non-local host"), \
	OPT_BOOL(0, "allow-pooled", &(c)->allow_pooled, "allow a session-mode pool whose host name looks pooled (a pooler seen switching backends is refused all the same)"), \
	OPT_DURATION(0, "connect-timeout", &(c)->connect_timeout_ms, "DURATION", "give up connecting after this long (default 10s)"), \
	OPT_STRING(0, "history-schema", &(c)->history_schema, "SCHEMA", "schema of the history table (default public)")

/*
 * Ends a command's option parsing: parses argv with opts and refuses more
 * positional arguments than the command's row in main.c allows.  Returns
 * their number (now at argv[0..n)), or -1 with *rc the exit code to return:
 * EXIT_OK after --help was printed, EXIT_USAGE after the error was.
 */
int cmd_options(int argc, char **argv, const struct opt *opts, const char *usage, int *rc);

/* Resolves the target (registering its password as a secret) and connects. */
PGconn *common_connect(const struct common_opts *c, struct target *t, struct pgs_error *err);
/*
 * For commands that use a database when one is configured (changed, hook):
 * as common_connect, but when nothing names a database (no --url, no URL
 * variable, no PG* variables, no dev cluster) returns NULL with err unset.
 */
PGconn *common_connect_if_configured(const struct common_opts *c, struct target *t, struct pgs_error *err);
/*
 * A yes/no setting from the environment (.env included): 1 or true sets
 * *value, 0, false or empty clears it, unset keeps it; anything else is a
 * usage error naming the variable.
 */
int common_env_bool(const char *name, bool *value, struct pgs_error *err);
/* Resolves the target only. */
int common_target(const struct common_opts *c, struct target *t, struct pgs_error *err);
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
};

/*
 * Opens the session the running command's row in main.c asks for: loads the
 * migrations (NEEDS_MIGRATIONS) while it connects, picks the project's
 * history table (common_history_table), and for a TAKES_LOCK command that is
 * not read_only (a dry run) checks for a transaction pooler, takes the
 * advisory lock (waiting up to lock_wait_ms) and creates the history table
 * if missing; with the migrations, reads the history and computes the plan.
 * Without the lock, a deploy that holds it is named in lock_holder and its
 * migration in progress is running, not failed.  On failure everything is
 * released.
 */
int session_open(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
		 struct pgs_error *err);
/* The same, running check on the connection before anything else is done with it (NULL: none). */
int session_open_checked(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
			 int (*check)(PGconn *conn, void *ctx, struct pgs_error *err), void *ctx,
			 struct pgs_error *err);
/* Reads the history again (creating the table if it is gone) and recomputes the plan. */
int session_reload(struct session *s, struct pgs_error *err);
/* Releases the lock and everything else; safe on a zeroed or failed session. */
void session_close(struct session *s);

/* Why invalid index x is invalid, in words (status, health). */
const char *common_index_cause(const struct invalid_index *x);
/* The commands that fix invalid index x; new string, caller frees. */
char *common_index_fix(const struct invalid_index *x);
/*
 * Whether deploy resumes the failed migration e instead of refusing it: its
 * file is on disk and commits in steps (script_commits_in_steps).  When it
 * does, *step is the statement it resumes at (0-based: the applied ones are
 * before it) and, when s is not NULL, *s holds the statements (the caller
 * frees it with script_free); when not, *s is left empty.
 */
bool common_deploy_resumes(const struct plan_entry *e, int server_version, size_t *step, struct script *s);

/* Prints err and returns its exit code (EXIT_FAILURE_ when unset). */
int common_fail(struct pgs_error *err);

/* Prints o on stdout, indented, as a command's --json result; takes the reference (decrefs o). */
void common_print_json(json_t *o);

#endif
