/*
 * apply: running one migration's script against the database.
 *
 * A transactional script runs as: BEGIN; SET LOCAL lock_timeout and
 * statement_timeout; each statement as the user wrote it; the history
 * change; COMMIT.  The script and its history change land together or not
 * at all: any failure (an SQL error, a lost connection, a killed pgshift)
 * leaves neither.  deploy runs migration.sql with an "applied" row, rollback
 * runs down.sql with a "rolled back" mark; both through apply_script.
 */
#ifndef PGSHIFT_APPLY_H
#define PGSHIFT_APPLY_H


#include "core/migset.h"
#include "core/script.h"
#include "db/conn.h"
#include "db/history.h"
#include "db/index.h"
#include "util/err.h"

/* What failed, for callers that react to it (lock timeouts are retried). */
struct apply_failure {
	char sqlstate[6];	/* "" when the failure was not an SQL error */
	long stmt;		/* index of the failing statement, -1 when none */
};

struct apply_opts {
	long lock_timeout_ms;		/* 0: no limit */
	long statement_timeout_ms;	/* 0: no limit */
	struct apply_failure *failure;	/* filled on failure when not NULL */
	db_note_fn note;		/* told what the statement path does on its own (an invalid index dropped); may be NULL */
	void *note_ctx;
	/*
	 * The lock_timeout of a concurrent index build in an autocommit migration
	 * when > 0 (else lock_timeout_ms): such a build waits for every older
	 * transaction under lock_timeout while holding only a lock that
	 * application queries do not need, so a short one would fail it (and
	 * leave an invalid index) for nothing.
	 */
	long concurrent_lock_timeout_ms;
	/*
	 * A scratch fill (replay.h): the statements of each transaction go to
	 * the server as one query, one round trip instead of one each.  When
	 * one fails, the transaction is rolled back and run again statement by
	 * statement, so that the error names the statement and line exactly as
	 * without it.  Only apply_script, apply_scripts and apply_range use it.
	 */
	bool batch;
};

/* APPLY_LOAD: a SQL file loaded into a scratch database (replay.h), recorded nowhere, as a seed */
enum apply_kind { APPLY_UP, APPLY_DOWN, APPLY_SEED, APPLY_LOAD };

/* What runs: a migration's file, its text, and its statements. */
struct apply_job {
	enum apply_kind kind;
	const struct migration *m;	/* NULL for a seed */
	const char *path;	/* migration.sql or down.sql, for messages */
	const char *sql;	/* the file's text */
	const struct script *script;
	const char *review;	/* UP: the review record to store with the history row, or NULL */
};

/*
 * Runs the job in one transaction, then records it (applied row for UP,
 * rolled_back_at for DOWN, nothing for SEED).  On failure returns -1 with err naming the file,
 * line and statement, and PostgreSQL's message, SQLSTATE and hint; the
 * transaction is rolled back.
 */
int apply_script(PGconn *conn, const struct history_table *ht, const struct apply_job *job,
		 const struct apply_opts *o, struct pgs_error *err);
/* Runs several jobs in one transaction (the seed files: all or nothing). */
int apply_scripts(PGconn *conn, const struct history_table *ht, const struct apply_job *jobs, size_t n,
		  const struct apply_opts *o, struct pgs_error *err);

/*
 * Runs statements [from, to) of a job in one transaction and records
 * nothing (SQL loaded into a scratch database in chunks, replay.h).  On
 * failure as apply_script.
 */
int apply_range(PGconn *conn, const struct apply_job *job, const struct apply_opts *o, size_t from, size_t to,
		struct pgs_error *err);

/*
 * Runs an UP job statement by statement in autocommit, for statements that
 * cannot run in a transaction block.  The history row is begun first
 * (history_run_begin: when resume_id is given, the failed row is re-armed
 * and the first start_step statements, done earlier, are skipped), then its
 * step count after every statement, then finished.  On failure the row keeps the
 * steps done and logs say which statement failed; err says the same.
 * A concurrent index build is guarded (db_index_guard_before/after): an
 * invalid index in its way is dropped first, and the step fails when its
 * index is not valid after it.  ht NULL: nothing is recorded (SQL loaded
 * into a scratch database; job->m may then be NULL).
 */
int apply_autocommit(PGconn *conn, const struct history_table *ht, const struct apply_job *job,
		     const struct apply_opts *o, const char *resume_id, int start_step, struct pgs_error *err);

/*
 * Runs statements [from, to) of an UP job in one transaction together with
 * the step count `to` on the history row (begun: a migration with backfill
 * statements commits in steps).  On failure the transaction is rolled back:
 * neither the statements nor the count stay.
 */
int apply_steps(PGconn *conn, const struct history_run *row, const struct apply_job *job, const struct apply_opts *o,
		size_t from, size_t to, struct pgs_error *err);

#endif
