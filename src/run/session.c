/*
 * session: resolving, connecting, the history table and the deploy lock
 * (see session.h).
 */
#include "run/session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/dotenv.h"
#include "devdb/devdb.h"
#include "util/secret.h"

static char *dev_url(void *ctx)
{
	(void)ctx;
	return devdb_url_if_up(".");
}

int common_target(const struct common_opts *c, struct target *t, struct pgs_error *err)
{
	struct url_request req = {
		.url = c->url,
		.insecure = c->insecure,
		.connect_timeout_ms = c->connect_timeout_ms,
		.env = config_getenv,
		.dev_url = dev_url,
	};
	int rc = url_resolve(&req, t, err);

	/* Registered even on failure: a URL that does not parse may still carry a password. */
	for (size_t k = 0; t->secrets && t->secrets[k]; k++)
		secret_register(t->secrets[k]);
	return rc;
}

PGconn *common_connect(const struct common_opts *c, struct target *t, struct pgs_error *err)
{
	if (common_target(c, t, err) < 0)
		return NULL;
	return db_connect(t, err);
}

PGconn *common_connect_if_configured(const struct common_opts *c, struct target *t, struct pgs_error *err)
{
	if (common_target(c, t, err) < 0) {
		if (!t->source)
			err_clear(err);	/* no database named anywhere: not an error here */
		return NULL;
	}
	return db_connect(t, err);
}

int common_load(const struct common_opts *c, struct migset *set, struct pgs_error *err)
{
	char *dir;
	enum layout layout;
	int rc;

	migset_pick_dir(c->dir, &dir, &layout);
	rc = migset_load(dir, layout, set, err);
	free(dir);
	return rc;
}

struct load_job {
	const struct common_opts *c;
	struct migset *set;
	struct pgs_error err;
	int rc;
};

static void *load_thread(void *arg)
{
	struct load_job *job = arg;

	job->rc = common_load(job->c, job->set, &job->err);
	return NULL;
}

int common_load_connect_then(const struct common_opts *c, struct migset *set, PGconn **conn, struct target *t,
			     int (*then)(PGconn *conn, void *ctx, struct pgs_error *err), void *ctx,
			     struct pgs_error *err)
{
	struct load_job job = { c, set, PGS_ERROR_INIT, 0 };
	pthread_t tid;
	bool threaded = pthread_create(&tid, NULL, load_thread, &job) == 0;
	int rc = 0;

	if (!threaded)
		load_thread(&job);
	*conn = common_connect(c, t, err);
	if (!*conn)
		rc = -1;
	else if (then && then(*conn, ctx, err) < 0)
		rc = -1;
	if (threaded)
		pthread_join(tid, NULL);
	if (job.rc < 0) {
		/* Bad input is the first thing to fix: report it rather than the connection. */
		err_clear(err);
		*err = job.err;
		return -1;
	}
	return rc;
}

int common_load_connect(const struct common_opts *c, struct migset *set, PGconn **conn, struct target *t,
			struct pgs_error *err)
{
	return common_load_connect_then(c, set, conn, t, NULL, NULL, err);
}

void common_history_table(const struct common_opts *c, struct history_table *ht)
{
	char *dir;
	enum layout layout;

	migset_pick_dir(c->dir, &dir, &layout);
	free(dir);
	history_table_init(ht, c->history_schema, layout == LAYOUT_PRISMA);
}

/* Says why nothing happens yet: another deploy holds the lock. */
static void report_lock_wait(const char *holder, long wait_ms, void *arg)
{
	const struct session *s = arg;

	run_notice(s->sink, RUN_STATUS, "waiting up to %.1f s for the migration lock (advisory lock %lld%s), held by %s",
		   wait_ms / 1000.0, history_lock_key(&s->ht), s->ht.prisma ? ", the one prisma migrate takes" : "",
		   holder);
}

int session_start(struct session *s, const struct session_request *r, struct pgs_error *err)
{
	const struct common_opts *c = r->c;

	memset(s, 0, sizeof(*s));
	s->sink = r->sink;
	if (r->migrations) {
		if (common_load_connect_then(c, &s->set, &s->conn, &s->t, r->check, r->check_ctx, err) < 0)
			goto fail;
	} else if (!(s->conn = common_connect(c, &s->t, err)) || (r->check && r->check(s->conn, r->check_ctx, err) < 0)) {
		goto fail;
	}
	common_history_table(c, &s->ht);
	if (r->lock) {
		if (db_check_not_pooled(s->conn, &s->t, c->allow_pooled, err) < 0)
			goto fail;
		db_watch_client(s->conn);
		if (db_lock(s->conn, history_lock_key(&s->ht), r->lock_wait_ms, report_lock_wait, s, err) < 0)
			goto fail;
		s->locked = true;
		if (history_ensure(s->conn, &s->ht, err) < 0)
			goto fail;
	}
	if (!r->migrations)
		return 0;	/* the history is read with the migrations it is compared with */
	if (history_load(s->conn, &s->ht, &s->hist, err) < 0)
		goto fail;
	if (!r->lock) {
		struct buf who = BUF_INIT;
		int held = db_lock_holder(s->conn, history_lock_key(&s->ht), &who);

		if (held > 0)
			s->lock_holder = buf_detach(&who);
		else if (held < 0)
			run_notice(s->sink, RUN_WARNING, "could not read who holds the migration lock: %s",
				   db_error_message(s->conn));
		buf_release(&who);
	}
	plan_compute(&s->set, &s->hist, &s->plan);
	if (s->lock_holder)
		plan_mark_running(&s->plan);
	return 0;
fail:
	session_close(s);
	return -1;
}

int session_reload(struct session *s, struct pgs_error *err)
{
	plan_free(&s->plan);
	history_free(&s->hist);
	if (history_ensure(s->conn, &s->ht, err) < 0 || history_load(s->conn, &s->ht, &s->hist, err) < 0)
		return -1;
	plan_compute(&s->set, &s->hist, &s->plan);
	if (s->lock_holder)
		plan_mark_running(&s->plan);
	return 0;
}

void session_close(struct session *s)
{
	if (s->locked && db_connected(s->conn)) {
		struct pgs_error err = PGS_ERROR_INIT;

		/* The lock ends with the session anyway; say so but keep the result. */
		if (db_unlock(s->conn, history_lock_key(&s->ht), &err) < 0) {
			run_notice(s->sink, RUN_WARNING, "%s", err.message);
			err_clear(&err);
		}
	}
	db_close(s->conn);
	plan_free(&s->plan);
	history_free(&s->hist);
	migset_free(&s->set);
	target_free(&s->t);
	free(s->lock_holder);
	memset(s, 0, sizeof(*s));
}
