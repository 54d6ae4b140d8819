/*
 * lockretry: short lock timeouts, retried with growing timeouts and
 * jittered sleeps; see lockretry.h for why.
 */
#include "run/lockretry.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/conn.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/exitcodes.h"

void lock_retry_init(struct lock_retry *lr, long fixed_ms, int tries, long sleep_ms, long deadlock_ms)
{
	if (deadlock_ms <= 0)
		deadlock_ms = 1000;
	lr->deadlock_ms = deadlock_ms;
	lr->fixed_ms = fixed_ms;
	lr->tries = tries > 0 ? tries : 1;
	lr->sleep_ms = sleep_ms >= 0 ? sleep_ms : LOCK_RETRY_SLEEP_MS;
	lr->cap_ms = deadlock_ms / 2 < LOCK_RETRY_CAP_MS ? deadlock_ms / 2 : LOCK_RETRY_CAP_MS;
	if (lr->cap_ms < 1)
		lr->cap_ms = 1;
	lr->first_ms = LOCK_RETRY_FIRST_MS < lr->cap_ms ? LOCK_RETRY_FIRST_MS : lr->cap_ms;
}

void lock_retry_warn(const struct lock_retry *lr, const struct run_sink *sink)
{
	if (lr->fixed_ms > 0 && lr->fixed_ms >= lr->deadlock_ms)
		run_notice(sink, RUN_WARNING, "--lock-timeout %ld ms is not below the server's deadlock_timeout (%ld ms): if the migration "
			    "and the application wait for each other, PostgreSQL cancels one of them, often the "
			    "application's transaction; leave --lock-timeout out to use short retried timeouts",
			    lr->fixed_ms, lr->deadlock_ms);
}

long lock_retry_timeout(const struct lock_retry *lr, int n)
{
	long t = lr->first_ms;

	if (lr->fixed_ms >= 0)
		return lr->fixed_ms;
	for (int i = 1; i < n && t < lr->cap_ms; i++)
		t += t / 2;
	return t < lr->cap_ms ? t : lr->cap_ms;
}

long lock_retry_sleep(const struct lock_retry *lr, int n)
{
	long d = lr->sleep_ms;
	long cap = d > LOCK_RETRY_SLEEP_CAP_MS ? d : LOCK_RETRY_SLEEP_CAP_MS;

	for (int i = 1; i < n && d < cap; i++)
		d += d / 2;
	return d < cap ? d : cap;
}

long lock_retry_total_ms(const struct lock_retry *lr)
{
	long total = 0;

	for (int n = 1; n <= lr->tries; n++)
		total += lock_retry_timeout(lr, n) + (n < lr->tries ? lock_retry_sleep(lr, n) : 0);
	return total;
}

/* Between 50 % and 150 % of d, so that two deploys (or a deploy and a cron job) fall out of step. */
static long jitter(long d)
{
	static unsigned seed;

	if (!seed)
		seed = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	return d / 2 + (long)(rand_r(&seed) % (unsigned)(d + 1));
}

/* The sessions named so far, by key; and those found at the last look. */
struct blockers {
	PGconn *conn;
	long waited_ms;
	struct buf seen;	/* "\nkey\nkey\n": named already */
	struct buf now;		/* "pid N (...); pid M (...)" */
	struct buf fresh;	/* lines naming those seen for the first time at this look, each after a newline */
};

/* "pid N (application_name "x", idle in transaction, query since T): first line of the query". */
static void describe(const struct lock_blocker *b, struct buf *out)
{
	size_t len = strcspn(b->query, "\r\n");

	buf_addf(out, "pid %ld (application_name \"%s\", %s, query since %s): %.*s%s", b->pid, b->application_name,
		 b->state, b->query_start, (int)(len > 100 ? 100 : len), b->query,
		 len > 100 || b->query[len] ? " ..." : "");
}

static void look_at(struct blockers *w, const char *schema, const char *relname)
{
	char *name = schema && *schema ? xasprintf("%s.%s", schema, relname) : xstrdup(relname);
	struct lock_blocker *b;
	size_t n;

	if (db_lock_blockers(w->conn, schema, relname, w->waited_ms, &b, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *key = xasprintf("\n%s\n", b[i].key);
			struct buf one = BUF_INIT;

			describe(&b[i], &one);
			if (!strstr(w->now.data, one.data))
				buf_addf(&w->now, "%s%s", w->now.len ? "; " : "", one.data);
			if (!strstr(w->seen.data, key)) {
				buf_addf(&w->seen, "%s\n", b[i].key);
				buf_addf(&w->fresh, "\nwaiting for %s on %s", one.data, name);
			}
			buf_release(&one);
			free(key);
		}
		db_lock_blockers_free(b, n);
	}
	free(name);
}

static void look(const PgQuery__RangeVar *rv, void *arg)
{
	look_at(arg, rv->schemaname, rv->relname);
}

/* DROP TABLE/INDEX/VIEW/... names its relations as lists of names, not as RangeVars. */
static void look_dropped(const PgQuery__Node *node, struct blockers *w)
{
	const PgQuery__DropStmt *d;

	if (node->node_case != PG_QUERY__NODE__NODE_DROP_STMT)
		return;
	d = node->drop_stmt;
	switch (d->remove_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
		break;
	default:
		return;
	}
	for (size_t i = 0; i < d->n_objects; i++) {
		const PgQuery__Node *o = d->objects[i];
		const char *part[3] = { NULL, NULL, NULL };
		size_t k = 0;

		if (o->node_case != PG_QUERY__NODE__NODE_LIST)
			continue;
		for (size_t j = 0; j < o->list->n_items && k < 3; j++)
			if (o->list->items[j]->node_case == PG_QUERY__NODE__NODE_STRING)
				part[k++] = o->list->items[j]->string->sval;
		/* name, schema.name, or catalog.schema.name */
		if (k == 1)
			look_at(w, NULL, part[0]);
		else if (k >= 2)
			look_at(w, part[k - 2], part[k - 1]);
	}
}

int lock_retry_run(PGconn *conn, const struct lock_retry *lr, const char *name, const struct script *script,
		   lock_try_fn try, void *arg, const struct run_sink *sink, struct pgs_error *err)
{
	struct blockers w = { conn, 0, BUF_INIT, BUF_INIT, BUF_INIT };
	double start = now_ms();
	int rc = -1;

	buf_addc(&w.seen, '\n');

	for (int n = 1;; n++) {
		struct apply_failure fail = { "", -1 };
		long timeout = lock_retry_timeout(lr, n);
		const struct stmt *st;
		double t0 = now_ms();

		if (try(arg, timeout, &fail, err) == 0) {
			rc = 0;
			break;
		}
		if (strcmp(fail.sqlstate, "55P03") || !db_connected(conn))
			break;
		st = fail.stmt >= 0 && (size_t)fail.stmt < script->n ? &script->stmts[fail.stmt] : NULL;
		w.waited_ms = (long)(now_ms() - t0) - 1;
		buf_reset(&w.now);
		buf_reset(&w.fresh);
		if (st && st->node) {
			script_relations(st->node, look, &w);
			look_dropped(st->node, &w);
		}
		if (n >= lr->tries) {
			err_set(err, EXIT_FAILURE_, "%s: lock not granted after %d attempt%s over %.1f s; nothing of it was "
				"applied", name, n, n == 1 ? "" : "s", (now_ms() - start) / 1000.0);
			err_detail(err, "statement %ld (line %d) waited for %s", fail.stmt + 1, st ? st->line : 0,
				   w.now.len ? w.now.data : "a session that was gone by the time pgshift looked");
			err_hint(err, "end or wait out the blocking session and run pgshift again; or raise --lock-retries");
			break;
		}
		{
			long wait = jitter(lock_retry_sleep(lr, n));
			struct buf text = BUF_INIT;

			buf_addf(&text, "lock timeout in %s (statement %ld, line %d) after %ld ms; attempt %d of %d, "
				 "retrying in %.1f s%s",
				 name, fail.stmt + 1, st ? st->line : 0, timeout, n, lr->tries, wait / 1000.0, w.fresh.data);
			run_emit(sink, &(struct run_event){ .kind = RUN_RETRY, .level = RUN_STATUS, .name = name,
							     .text = text.data });
			buf_release(&text);
			err_clear(err);
			sleep_ms(wait, NULL);
		}
	}
	buf_release(&w.seen);
	buf_release(&w.now);
	buf_release(&w.fresh);
	return rc;
}
