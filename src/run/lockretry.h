/*
 * lockretry: how deploy and rollback wait for a table lock without stalling
 * the application (the schedule GitLab's with_lock_retries made standard).
 *
 * A statement that waits for a lock holds its place in the lock queue, and
 * every query of the application on that table queues behind it for as long
 * as it waits.  So each try waits only a short lock_timeout (100 ms first,
 * growing by half each try, never above half the server's deadlock_timeout:
 * in a lock cycle with the application pgshift gives up before the deadlock
 * detector runs and kills the application's transaction), then rolls back
 * and sleeps with jitter while the application runs, and tries again.  The
 * holders at the root of the wait are named once each, not on every try.
 */
#ifndef PGSHIFT_RUN_LOCKRETRY_H
#define PGSHIFT_RUN_LOCKRETRY_H


#include "core/script.h"
#include "db/apply.h"
#include "db/conn.h"
#include "run/event.h"
#include "util/err.h"

#define LOCK_RETRY_FIRST_MS 100		/* the first try's lock_timeout */
#define LOCK_RETRY_CAP_MS 1000		/* the schedule's ceiling, when half of deadlock_timeout is higher */
#define LOCK_RETRY_TRIES 64		/* about 10 minutes in all with the sleeps below */
#define LOCK_RETRY_SLEEP_MS 500		/* the first sleep between tries; grows by half, at most 10 s */
#define LOCK_RETRY_SLEEP_CAP_MS 10000
/*
 * A statement outside a transaction is not retried: its default stays 5 s.
 * (A CREATE INDEX CONCURRENTLY waits for old transactions under
 * lock_timeout while holding a lock no application query needs.)
 */
#define LOCK_RETRY_NO_TX_MS 5000
/*
 * ... except a concurrent index build, whose waits for older transactions
 * block no application query: it outlasts a long reader as the retries do.
 */
#define LOCK_RETRY_CONCURRENT_MS 600000

struct lock_retry {
	long fixed_ms;		/* one lock_timeout for every try (explicit), or -1: the schedule */
	int tries;		/* at least 1 */
	long sleep_ms;		/* the first sleep between tries */
	long first_ms, cap_ms;	/* the schedule: first lock_timeout and ceiling */
	long deadlock_ms;	/* the server's deadlock_timeout */
};

/*
 * The schedule for a server whose deadlock_timeout is deadlock_ms (-1 when
 * unknown: PostgreSQL's default, 1 s, is assumed).
 */
void lock_retry_init(struct lock_retry *lr, long fixed_ms, int tries, long sleep_ms, long deadlock_ms);
/*
 * Warns (a RUN_WARNING on sink) when an explicit lock_timeout is not below
 * deadlock_timeout: in a lock cycle with the application, PostgreSQL's
 * deadlock detector then runs first and may cancel the application's
 * transaction.
 */
void lock_retry_warn(const struct lock_retry *lr, const struct run_sink *sink);
/* The lock_timeout of try n (from 1). */
long lock_retry_timeout(const struct lock_retry *lr, int n);
/* The sleep after failed try n, before jitter. */
long lock_retry_sleep(const struct lock_retry *lr, int n);
/* How long, in all, pgshift keeps trying when every try times out (before jitter). */
long lock_retry_total_ms(const struct lock_retry *lr);

/* One try of the work with this lock_timeout; fills *fail on failure (apply_opts.failure). */
typedef int (*lock_try_fn)(void *arg, long lock_timeout_ms, struct apply_failure *fail, struct pgs_error *err);

/*
 * Runs try until it succeeds, fails other than by a lock timeout (55P03),
 * or the tries run out.  Between tries a RUN_RETRY event on sink says that
 * it retries, and names each session at the root of the wait the first
 * time it shows; name is the migration's, script its statements (to find
 * the relations a failed statement waited for).  Returns 0, or -1 with err
 * set.
 */
int lock_retry_run(PGconn *conn, const struct lock_retry *lr, const char *name, const struct script *script,
		   lock_try_fn try, void *arg, const struct run_sink *sink, struct pgs_error *err);

#endif
