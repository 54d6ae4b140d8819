/*
 * shadow: picking the scratch database a command replays into.
 */
#include "run/shadow.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/dotenv.h"
#include "db/replay.h"
#include "devdb/devdb.h"
#include "util/exitcodes.h"
#include "util/secret.h"

/* Resolves url as a target (TLS policy as the target's), registering its secrets. */
static int resolve(const struct common_opts *c, const char *url, const char *source, struct target *t,
		   struct pgs_error *err)
{
	struct url_request req = {
		.url = url,
		.insecure = c->insecure,
		.connect_timeout_ms = c->connect_timeout_ms,
		.env = config_getenv,
	};
	int rc = url_resolve(&req, t, err);

	for (size_t k = 0; t->secrets && t->secrets[k]; k++)
		secret_register(t->secrets[k]);
	t->source = source;
	if (rc < 0)
		err_prefix(err, "%s", source);
	return rc;
}

int shadow_open(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
		bool only_ready, struct scratch *s, struct pgs_error *err)
{
	const char *source = shadow_url ? "--shadow-url" : "PGSHIFT_SHADOW_URL";
	struct target shadow = { 0 }, dev = { 0 };
	struct scratch_request r = { conn, t, NULL, NULL, !only_ready };
	char *dev_url = NULL;
	int rc = -1;

	if (!shadow_url)
		shadow_url = config_getenv("PGSHIFT_SHADOW_URL");
	if (shadow_url && *shadow_url) {
		if (resolve(c, shadow_url, source, &shadow, err) < 0)
			goto out;
		r.shadow = &shadow;
	} else if ((dev_url = devdb_url_if_up("."))) {
		if (resolve(c, dev_url, "dev cluster", &dev, err) < 0)
			goto out;
		r.dev = &dev;
	} else if (only_ready) {
		rc = 0;
		goto out;
	}
	rc = scratch_open(&r, s, err) < 0 ? -1 : 1;
out:
	target_free(&shadow);
	target_free(&dev);
	free(dev_url);
	return rc;
}

int shadow_close_all(struct scratch *const *v, size_t n, int rc, struct pgs_error *err)
{
	struct pgs_error cerr = PGS_ERROR_INIT;
	char **where = xcalloc(n + 1, sizeof(*where));
	bool *created = xcalloc(n + 1, sizeof(*created));

	for (size_t i = 0; i < n; i++) {
		where[i] = xstrdup(v[i]->where ? v[i]->where : "scratch database");
		created[i] = v[i]->created;
	}
	if (scratch_close_all(v, n, &cerr) < 0) {
		if (rc < 0) {
			err_hint(err, "%s", cerr.message);
			err_clear(&cerr);
		} else {
			*err = cerr;
			rc = -1;
		}
	} else if (scratch_interrupted()) {
		struct buf detail = BUF_INIT;

		if (rc >= 0 || err->code != EXIT_INTERRUPTED)
			err_set(err, EXIT_INTERRUPTED, "interrupted");
		for (size_t i = 0; i < n; i++)
			buf_addf(&detail, created[i] ? "%sthe %s was dropped" :
				 "%sthe %s is left as it was (it is emptied before each use)", i ? "\n" : "", where[i]);
		err_detail(err, "%s", detail.data);
		buf_release(&detail);
		rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(where[i]);
	free(where);
	free(created);
	return rc;
}

int shadow_close(struct scratch *s, int rc, struct pgs_error *err)
{
	return shadow_close_all(&s, 1, rc, err);
}

enum schema_source shadow_source_kind(const char *src)
{
	if (!strcmp(src, "migrations"))
		return SOURCE_MIGRATIONS;
	if (!strncmp(src, "postgres://", 11) || !strncmp(src, "postgresql://", 13) || strchr(src, '='))
		return SOURCE_URL;
	return SOURCE_SQL;
}

int shadow_fill_db(PGconn *conn, const struct shadow_fill *fill, struct pgs_error *err)
{
	if (fill->sql_path)
		return replay_sql_path(conn, fill->sql_path, err);
	return replay_migrations(conn, fill->ht, fill->migs, fill->nmigs, err);
}

int shadow_model(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
		 const struct shadow_fill *fill, const struct schema_filter *f, struct schema_model *m,
		 struct pgs_error *err)
{
	struct scratch s;
	int rc;

	memset(m, 0, sizeof(*m));
	if (shadow_open(c, shadow_url, conn, t, false, &s, err) < 0)
		return -1;
	rc = shadow_fill_db(s.conn, fill, err);
	if (rc == 0 && (rc = schema_load(s.conn, f, m, err)) < 0)
		err_prefix(err, "reading the %s", s.where);
	return shadow_close(&s, rc, err);
}

static void *load_thread(void *arg)
{
	struct shadow_load *l = arg;

	if (!l->s) {
		l->rc = schema_load(l->conn, l->f, l->m, &l->err);
		return NULL;
	}
	l->rc = shadow_fill_db(l->s->conn, l->fill, &l->err);
	if (l->rc == 0 && (l->rc = schema_load(l->s->conn, l->f, l->m, &l->err)) < 0)
		err_prefix(&l->err, "reading the %s", l->s->where);
	return NULL;
}

static void load_init(struct shadow_load *l)
{
	memset(l->m, 0, sizeof(*l->m));
	l->err = (struct pgs_error)PGS_ERROR_INIT;
	l->rc = -1;
	l->threaded = false;
}

void shadow_load_start(struct shadow_load *l)
{
	sigset_t block, old;

	load_init(l);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	/* the new thread starts with the signals blocked: they stay with the caller's thread */
	pthread_sigmask(SIG_BLOCK, &block, &old);
	l->threaded = pthread_create(&l->tid, NULL, load_thread, l) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!l->threaded)
		load_thread(l);
}

int shadow_load_finish(struct shadow_load *l, struct pgs_error *err)
{
	if (l->threaded)
		pthread_join(l->tid, NULL);
	l->threaded = false;
	if (l->rc < 0) {
		*err = l->err;
		l->err = (struct pgs_error)PGS_ERROR_INIT;
	}
	return l->rc;
}

int shadow_load_run(struct shadow_load *l, struct pgs_error *err)
{
	load_init(l);
	load_thread(l);
	return shadow_load_finish(l, err);
}
