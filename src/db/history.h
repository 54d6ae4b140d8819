/*
 * history: the migrations table in the target database.
 *
 * Native mode keeps `pgshift_migrations` (in `public` unless told otherwise)
 * with Prisma's columns plus who applied it, with which pgshift, and the
 * review record (findings acknowledged or approved, as JSON); Prisma
 * mode uses `_prisma_migrations` exactly as Prisma defines it (same DDL,
 * nothing added) and writes rows with Prisma's meaning.  All SQL for the
 * history lives here; commands never build it.
 */
#ifndef PGSHIFT_HISTORY_H
#define PGSHIFT_HISTORY_H

#include <stdbool.h>

#include "core/plan.h"
#include "db/conn.h"
#include "util/err.h"

/* Prisma takes pg_advisory_lock(72707369) during migrate deploy. */
#define PRISMA_LOCK_KEY 72707369LL
/* Native mode: the bytes of "pgshif". */
#define PGSHIFT_LOCK_KEY 0x706773686966LL

struct history_table {
	const char *schema;	/* e.g. "public" */
	const char *table;	/* "pgshift_migrations" or "_prisma_migrations" */
	bool prisma;
};

void history_table_init(struct history_table *ht, const char *schema, bool prisma);
long long history_lock_key(const struct history_table *ht);
/*
 * The schema, and "schema.table", quoted; new strings the caller frees.
 * NULL with err (EXIT_USAGE, naming --history-schema) when the name is not
 * valid in the client encoding.
 */
char *history_quoted_schema(PGconn *conn, const struct history_table *ht, struct pgs_error *err);
char *history_qualified_name(PGconn *conn, const struct history_table *ht, struct pgs_error *err);

/* Creates the table (and schema) when missing. */
int history_ensure(PGconn *conn, const struct history_table *ht, struct pgs_error *err);
/* Loads every row; a missing table is an empty history with table_exists false. */
int history_load(PGconn *conn, const struct history_table *ht, struct history *out, struct pgs_error *err);
/*
 * Inserts the row of a migration applied in the current transaction:
 * started_at is the transaction's start, finished_at the insert time.
 */
int history_insert_applied(PGconn *conn, const struct history_table *ht, const char *name,
			   const char *checksum, int steps, const char *review, struct pgs_error *err);

/* Marks the applied rows of name as rolled back (in the current transaction). */
int history_mark_rolled_back(PGconn *conn, const struct history_table *ht, const char *name,
			     struct pgs_error *err);
/*
 * Resolves a failed migration: --rolled-back marks its unfinished rows rolled
 * back; --applied also inserts a finished row with the file's checksum and
 * 0 steps (it was finished by hand).  One transaction.  Returns the number of
 * failed rows changed, or -1.
 */
int history_resolve(PGconn *conn, const struct history_table *ht, const char *name, bool applied,
		    const char *checksum, struct pgs_error *err);

/*
 * Accepts, after review, an edit to the applied migration name: its applied
 * row takes the file's new checksum, and its logs gain a line saying who
 * accepted it (who: the local user; the database role is added) and when,
 * and the checksum it had.  The rolled-back attempts recorded with the same
 * old checksum take the new one too: Prisma compares the first row of a
 * name, so both tools then agree the migration is unmodified.  Prisma's
 * columns are kept as they are (logs is its free-text column).  One
 * transaction; fails (EXIT_HISTORY) when no applied row has old_checksum.
 */
int history_accept_edit(PGconn *conn, const struct history_table *ht, const char *name, const char *old_checksum,
			const char *new_checksum, const char *who, struct pgs_error *err);

/*
 * The life of the history row of a migration that commits in steps
 * (outside a transaction, or with a backfill), written as it goes so that a
 * failure or a kill leaves an exact account: begun (a started row,
 * autocommitted before the first statement; or, resuming, the failed row
 * of an earlier run re-armed with the file's checksum and its logs
 * cleared), its step count after every step, then finished or failed.  A
 * migration in one transaction has no such life: its row is inserted with
 * it (history_insert_applied).  Every way of applying goes through these.
 */
struct history_run {
	const struct history_table *ht;	/* NULL: nothing is recorded (SQL loaded into a scratch database) */
	char id[37];			/* the row */
};

int history_run_begin(PGconn *conn, const struct history_table *ht, const char *name, const char *checksum,
		      const char *review, const char *resume_id, struct history_run *r, struct pgs_error *err);
/* The steps done (in the current transaction, if any). */
int history_run_step(PGconn *conn, const struct history_run *r, int steps, struct pgs_error *err);
int history_run_finish(PGconn *conn, const struct history_run *r, struct pgs_error *err);
/* Records the failure with logs, best effort: a lost connection cannot, and the caller has its error already. */
void history_run_fail(PGconn *conn, const struct history_run *r, const char *logs);

/*
 * A migration in one transaction failed (why) and was rolled back, leaving
 * nothing.  Prisma mode has no way to show an attempt without a row: this
 * writes one started duration_ms ago, not finished, rolled back now, with
 * the error in logs, so that both tools list it as not applied and the
 * failure stays on record.  Autocommit.  Native mode, or a lost connection:
 * nothing (0).  -1 with err when the row could not be written.
 */
int history_record_failed_attempt(PGconn *conn, const struct history_table *ht, const char *name,
				  const char *checksum, double duration_ms, const struct pgs_error *why,
				  struct pgs_error *err);

/*
 * Deployments: pgshift's own record of each deploy, in pgshift_deployments
 * (Prisma's table stays as Prisma defines it).  A row is started when a deploy begins and finished when its
 * migrations are applied; it keeps the git commit that was deployed (for
 * `changed --base deployed`) and the delivery of the deploy hook: hook_status
 * is NULL (nothing to send), pending, delivered or failed.
 */
struct deployment {
	char *id;		/* bigserial, as text */
	char *started_at;	/* ISO 8601 UTC */
	char *finished_at;
	char *git_commit;	/* NULL when not known */
	int applied;
	char *hook_status;	/* NULL, "pending", "delivered", "failed" */
	int hook_attempts;
	long hook_http_status;	/* of the last attempt; 0 when there was no response */
	char *hook_error;
};

/*
 * The schema of pgshift_deployments: the history schema, but in Prisma mode
 * "pgshift", so that Prisma's drift check (migrate dev), which looks at
 * every table of its own schema, does not see it.
 */
const char *deployments_schema(const struct history_table *ht);
/* "schema".pgshift_deployments, quoted: a new string, or NULL with err when the schema cannot be quoted. */
char *deployments_qualified_name(PGconn *conn, const struct history_table *ht, struct pgs_error *err);
/* Creates pgshift_deployments (and its schema) when missing. */
int deployments_ensure(PGconn *conn, const struct history_table *ht, struct pgs_error *err);
/* Inserts the row of a deploy that begins; its id (new string) in *id. */
int deployments_start(PGconn *conn, const struct history_table *ht, const char *git_commit, char **id,
		      struct pgs_error *err);
/* Marks it finished with the number applied; hook_pending: a deploy hook is to be sent. */
int deployments_finish(PGconn *conn, const struct history_table *ht, const char *id, int applied,
		       bool hook_pending, struct pgs_error *err);
/*
 * Records one delivery of the hook of deployment id: delivered, or failed
 * with error; attempts are added to the row's count; http_status is the last
 * response's (0: none).
 */
int deployments_record_hook(PGconn *conn, const struct history_table *ht, const char *id, bool delivered,
			    int attempts, long http_status, const char *error, struct pgs_error *err);
/*
 * Reads only (the table is never created here).  deployments_last_hook: the
 * newest finished deployment that had a hook to send, else the newest
 * finished one; deployments_last_commit: the newest finished one with a git
 * commit.  Returns 1 with *out filled (free with deployment_free), 0 when
 * there is none (or no table), -1 with err.
 */
int deployments_last_hook(PGconn *conn, const struct history_table *ht, struct deployment *out,
			  struct pgs_error *err);
int deployments_last_commit(PGconn *conn, const struct history_table *ht, struct deployment *out,
			    struct pgs_error *err);
void deployment_free(struct deployment *d);

#endif
