/*
 * backfill: the SQL of a batched, resumable data change.
 *
 * A backfill walks a table in key order (keyset pagination, never OFFSET),
 * updating at most N rows per transaction, and commits its progress (the
 * last key done) in the same transaction as each batch, so stopping at any
 * moment loses nothing and repeats nothing.
 */
#ifndef PGSHIFT_DB_BACKFILL_H
#define PGSHIFT_DB_BACKFILL_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/history.h"
#include "util/err.h"

struct bf_key {
	char **cols;	/* quoted column names */
	char **types;	/* format_type of each, for casting the saved key */
	int n;
};

struct bf_state {
	char *name;
	bool exists, finished;
	char **last;	/* last key done (text values), NULL when none */
	long long rows_done;
	char *started_at;
};

/* The table named name (as SQL reads it), as regclass text; NULL with err (EXIT_USAGE) when there is none. */
char *bf_resolve_table(PGconn *conn, const char *name, struct pgs_error *err);
/* The primary key, else a unique index on NOT NULL columns; -1 with err when there is none. */
int bf_find_key(PGconn *conn, const char *table, struct bf_key *key, struct pgs_error *err);
void bf_key_free(struct bf_key *key);
/* Estimated rows (reltuples), or an exact count. */
long long bf_estimate(PGconn *conn, const char *table, bool exact, const char *where, struct pgs_error *err);

/*
 * Creates the progress table pgshift_backfills when missing: in the history
 * schema, or in a Prisma project in deployments_schema (made when missing),
 * where the rows of one an older pgshift left in the history schema are
 * moved to (one transaction; the old table dropped once empty).
 */
int bf_ensure_table(PGconn *conn, const struct history_table *ht, struct pgs_error *err);
int bf_load(PGconn *conn, const struct history_table *ht, const char *name, const struct bf_key *key,
	    struct bf_state *st, struct pgs_error *err);
int bf_reset(PGconn *conn, const struct history_table *ht, const char *name, const char *table, const char *set,
	     const char *where, struct pgs_error *err);
void bf_state_free(struct bf_state *st, int nkey);

struct bf_batch {
	long rows;		/* rows updated */
	long keys;		/* keys visited (0: the end) */
	double ms;		/* the transaction's duration */
	char sqlstate[6];	/* on failure */
};

/*
 * Runs one batch in its own transaction (lock_timeout ms): locks the next
 * `limit` keys after st->last (matching where), updates those still matching
 * where, and records the new last key and count in the progress table.
 */
int bf_batch(PGconn *conn, const struct history_table *ht, const char *table, const char *set, const char *where,
	     const struct bf_key *key, struct bf_state *st, long limit, long lock_timeout_ms, struct bf_batch *out,
	     struct pgs_error *err);
int bf_finish(PGconn *conn, const struct history_table *ht, const char *name, struct pgs_error *err);

/*
 * Replication lag, for --max-lag.  bf_lag_check fails (saying why) when
 * the connection cannot see it: a standby, or a role that
 * pg_stat_replication hides the lag from.  bf_replicas lists the connected
 * replicas (caller frees with bf_replicas_free); bf_wal_lsn gives the
 * primary's current WAL position.
 */
struct bf_replica {
	char *name;		/* application_name (address, state) */
	unsigned long long replay_lsn;	/* 0: not reported yet */
	double lag_ms;		/* replay_lag; 0 when it has replayed everything written */
};

int bf_lag_check(PGconn *conn, struct pgs_error *err);
int bf_replicas(PGconn *conn, struct bf_replica **out, int *n, struct pgs_error *err);
void bf_replicas_free(struct bf_replica *r, int n);
int bf_wal_lsn(PGconn *conn, unsigned long long *lsn, struct pgs_error *err);

/*
 * Replication slots with no consumer connected that hold WAL back on this
 * server: appends "name (physical, 12 MB of WAL kept)" for each, comma
 * separated, to out and returns how many (0 on a standby or when the view
 * cannot be read).  *keep_limit gets max_slot_wal_keep_size (new string).
 */
int bf_idle_slots(PGconn *conn, struct buf *out, char **keep_limit);

#endif
