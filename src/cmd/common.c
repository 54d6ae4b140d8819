/*
 * common: shared plumbing of the commands.
 */
#include "cmd/common.h"
#include "cmd/cmds.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dotenv.h"
#include "devdb/devdb.h"
#include "util/exitcodes.h"
#include "util/output.h"

const struct command *cmd_running;

/* What a session sets up when no row is running (unit tests): the migrations and the database. */
static unsigned running_needs(void)
{
	return cmd_running ? cmd_running->needs : NEEDS_MIGRATIONS | NEEDS_DB;
}

int cmd_options(int argc, char **argv, const struct opt *opts, const char *usage, int *rc)
{
	struct pgs_error err = PGS_ERROR_INIT;
	int n = opts_parse(argc, argv, opts, usage, &err);
	int max = cmd_running ? cmd_running->max_args : ARGS_ANY;

	if (n == -2) {
		*rc = EXIT_OK;
		return -1;
	}
	if (n >= 0 && max != ARGS_ANY && n > max) {
		err_set(&err, EXIT_USAGE, "unexpected argument \"%s\"", argv[max]);
		err_hint(&err, "usage: %s", usage);
		n = -1;
	}
	if (n < 0)
		*rc = common_fail(&err);
	return n;
}

static char *dev_url(void *ctx)
{
	(void)ctx;
	return devdb_url_if_up(".");
}

static void print_notice(const char *severity, const char *message)
{
	char *lower = xstrdup(severity);

	for (char *p = lower; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	out_eprintf("server %s: %s\n", lower, message);
	free(lower);
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
	db_notice_hook = print_notice;
	if (common_target(c, t, err) < 0)
		return NULL;
	return db_connect(t, err);
}

PGconn *common_connect_if_configured(const struct common_opts *c, struct target *t, struct pgs_error *err)
{
	db_notice_hook = print_notice;
	if (common_target(c, t, err) < 0) {
		if (!t->source)
			err_clear(err);	/* no database named anywhere: not an error here */
		return NULL;
	}
	return db_connect(t, err);
}

int common_env_bool(const char *name, bool *value, struct pgs_error *err)
{
	const char *v = config_getenv(name);

	if (!v)
		return 0;
	if (!strcmp(v, "1") || !strcasecmp(v, "true"))
		*value = true;
	else if (!*v || !strcmp(v, "0") || !strcasecmp(v, "false"))
		*value = false;
	else
		return err_set(err, EXIT_USAGE, "%s must be 1, true, 0 or false, not \"%s\"", name, v);
	return 0;
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

	out_eprintf("pgshift: waiting up to %.1f s for the migration lock (advisory lock %lld%s), held by %s\n",
		    wait_ms / 1000.0, history_lock_key(&s->ht), s->ht.prisma ? ", the one prisma migrate takes" : "",
		    holder);
}

int session_open(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
		 struct pgs_error *err)
{
	return session_open_checked(s, c, read_only, lock_wait_ms, NULL, NULL, err);
}

int session_open_checked(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
			 int (*check)(PGconn *conn, void *ctx, struct pgs_error *err), void *ctx,
			 struct pgs_error *err)
{
	unsigned needs = running_needs();
	bool lock = (needs & TAKES_LOCK) && !read_only;

	memset(s, 0, sizeof(*s));
	if (needs & NEEDS_MIGRATIONS) {
		if (common_load_connect_then(c, &s->set, &s->conn, &s->t, check, ctx, err) < 0)
			goto fail;
	} else if (!(s->conn = common_connect(c, &s->t, err)) || (check && check(s->conn, ctx, err) < 0)) {
		goto fail;
	}
	common_history_table(c, &s->ht);
	if (lock) {
		if (db_check_not_pooled(s->conn, &s->t, c->allow_pooled, err) < 0)
			goto fail;
		db_watch_client(s->conn);
		if (db_lock(s->conn, history_lock_key(&s->ht), lock_wait_ms, report_lock_wait, s, err) < 0)
			goto fail;
		s->locked = true;
		if (history_ensure(s->conn, &s->ht, err) < 0)
			goto fail;
	}
	if (!(needs & NEEDS_MIGRATIONS))
		return 0;	/* the history is read with the migrations it is compared with */
	if (history_load(s->conn, &s->ht, &s->hist, err) < 0)
		goto fail;
	if (!lock) {
		struct buf who = BUF_INIT;
		int held = db_lock_holder(s->conn, history_lock_key(&s->ht), &who);

		if (held > 0)
			s->lock_holder = buf_detach(&who);
		else if (held < 0)
			out_warning("could not read who holds the migration lock: %s", db_error_message(s->conn));
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
			out_warning("%s", err.message);
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

int common_fail(struct pgs_error *err)
{
	int code = err->code ? err->code : EXIT_FAILURE_;

	out_error(err);
	err_clear(err);
	return code;
}

void common_print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2));

	out_printf("%s\n", s);
	free(s);
	json_decref(o);
}

const char *common_index_cause(const struct invalid_index *x)
{
	if (x->builder_pid)
		return "being built right now";
	return x->leftover ? "left over by an interrupted REINDEX CONCURRENTLY; the original index is intact"
			   : "a concurrent build failed or was interrupted";
}

char *common_index_fix(const struct invalid_index *x)
{
	return x->rebuild_sql ? xasprintf("%s (or drop it: %s)", x->rebuild_sql, x->drop_sql) : xstrdup(x->drop_sql);
}

bool common_deploy_resumes(const struct plan_entry *e, int server_version, size_t *step, struct script *s)
{
	struct pgs_error ignore = PGS_ERROR_INIT;
	struct script local;
	struct script *sc = s ? s : &local;
	bool resumes;

	memset(sc, 0, sizeof(*sc));
	*step = 0;
	if (e->state != ST_FAILED || !e->mig || !e->row)
		return false;
	if (script_split(e->mig->sql_path, e->mig->sql.data, sc, &ignore) < 0) {
		err_clear(&ignore);	/* deploy reports the syntax error itself */
		script_free(sc);
		return false;
	}
	resumes = script_commits_in_steps(sc, server_version);
	/* as deploy does: a count beyond the file (edited since) starts over */
	if (resumes && e->row->applied_steps_count > 0 && (size_t)e->row->applied_steps_count <= sc->n)
		*step = (size_t)e->row->applied_steps_count;
	if (!resumes || !s)
		script_free(sc);	/* zeroes it */
	return resumes;
}
