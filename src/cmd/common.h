/*
 * common: what several commands share: the connection and directory
 * options, ending option parsing, opening the session their row in main.c
 * asks for (run/session.h), and printing errors, JSON and index causes.
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
#include "run/session.h"
#include "util/opts.h"

#define COMMON_DIR_OPTS(c) \
	OPT_STRING('d', "dir", &(c)->dir, "DIR", "migrations directory (default: $PGSHIFT_DIR, prisma/migrations, migrations)")

#define COMMON_CONN_OPTS(c) \
	OPT_GROUP("connection"), \
	OPT_STRING(0, "url", &(c)->url, "URL", "database URL (default: DATABASE_URL_UNPOOLED, DIRECT_URL, DATABASE_URL, PG*, dev cluster)"), \
	OPT_BOOL(0, "insecure", &(c)->insecure, "do not add sslmode=require for a non-local host"), \
	OPT_BOOL(0, "allow-pooled", &(c)->allow_pooled, "allow a session-mode pool whose host name looks pooled (a pooler seen switching backends is refused all the same)"), \
	OPT_DURATION(0, "connect-timeout", &(c)->connect_timeout_ms, "DURATION", "give up connecting after this long (default 10s)"), \
	OPT_STRING(0, "history-schema", &(c)->history_schema, "SCHEMA", "schema of the history table (default public)")

/* --shadow-url (run/shadow.h) */
#define SHADOW_OPT(v) \
	OPT_STRING(0, "shadow-url", (v), "URL", "a database pgshift may empty and replay into (default " \
		   "$PGSHIFT_SHADOW_URL; else a temporary one on the dev cluster, or on the target's server when it " \
		   "is local and the role may create databases)")

/* The lock options of deploy, reset and rollback; timeout -1 means the growing schedule. */
#define LOCK_RETRY_OPTS(timeout, tries, delay) \
	OPT_DURATION(0, "lock-timeout", (timeout), "DURATION", \
		     "one lock_timeout for every try (default: 100 ms growing to at most half the server's " \
		     "deadlock_timeout; 0: none; -- pgshift:lock-timeout in a file wins)"), \
	OPT_INT(0, "lock-retries", (tries), "N", \
		"tries when a lock is not granted (default 64: pgshift keeps trying for about 10 minutes)"), \
	OPT_DURATION(0, "lock-retry-delay", (delay), "DURATION", \
		     "first sleep between tries, growing by half to 10 s, with jitter (default 500ms)")

/* deploy's and reset's: the lock options and the statement timeout (struct deploy_opts, run/deploy.h). */
#define DEPLOY_LOCK_OPTS(o) \
	LOCK_RETRY_OPTS(&(o)->lock_timeout_ms, &(o)->lock_retries, &(o)->lock_retry_delay_ms), \
	OPT_DURATION(0, "statement-timeout", &(o)->statement_timeout_ms, "DURATION", \
		     "statement_timeout of each migration (default none)")

/*
 * Ends a command's option parsing: parses argv with opts and refuses more
 * positional arguments than the command's row in main.c allows.  Returns
 * their number (now at argv[0..n)), or -1 with *rc the exit code to return:
 * EXIT_OK after --help was printed, EXIT_USAGE after the error was.
 */
int cmd_options(int argc, char **argv, const struct opt *opts, const char *usage, int *rc);

/*
 * A yes/no setting from the environment (.env included): 1 or true sets
 * *value, 0, false or empty clears it, unset keeps it; anything else is a
 * usage error naming the variable.
 */
int common_env_bool(const char *name, bool *value, struct pgs_error *err);
/*
 * Opens the session (run/session.h) the running command's row in main.c
 * asks for: the migrations with NEEDS_MIGRATIONS; the lock, the pooler
 * check and the history table created for a TAKES_LOCK command that is not
 * read_only (a dry run), waiting up to lock_wait_ms.  Waiting and warnings
 * are printed (cmd_text_sink).
 */
int session_open(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
		 struct pgs_error *err);
/* The same, running check on the connection before anything else is done with it (NULL: none). */
int session_open_checked(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
			 int (*check)(PGconn *conn, void *ctx, struct pgs_error *err), void *ctx,
			 struct pgs_error *err);

/* Why invalid index x is invalid, in words (status, health). */
const char *common_index_cause(const struct invalid_index *x);
/* The commands that fix invalid index x; new string, caller frees. */
char *common_index_fix(const struct invalid_index *x);
/* Prints err and returns its exit code (EXIT_FAILURE_ when unset). */
int common_fail(struct pgs_error *err);

/* Prints o on stdout, indented, as a command's --json result; takes the reference (decrefs o). */
void common_print_json(json_t *o);

#endif
