/*
 * deploy: the heart of deploy.
 *
 * The order of work is the safety argument (ARCHITECTURE.md "deploy, step
 * by step"): the caller has validated every file and taken the lock before
 * reading the history; here the plan is refused as a whole (failed,
 * modified, missing, out of order, unparsable) before anything is applied;
 * then each migration commits together with its history row.
 */
#include "run/deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dotenv.h"
#include "core/script.h"
#include "db/apply.h"
#include "run/gate.h"
#include "util/clock.h"
#include "util/exitcodes.h"
#include "util/proc.h"

/* One migration to run: its statements, and how. */
struct item {
	size_t idx;		/* in the plan */
	char *review;		/* review record for the history row (JSON), or NULL */
	struct script script;
	bool autocommit;	/* outside a transaction, statement by statement */
	const char *resume_id;	/* failed autocommit row to resume, or NULL */
	int start_step;
	long lock_timeout_ms;	/* from -- pgshift:lock-timeout, or -1 */
	bool backfill;		/* has -- pgshift:backfill statements: commits in steps */
	struct update_parts *parts;	/* per statement: the backfill's parts, table NULL for others */
	struct backfill_args *bargs;	/* per statement: settings on its -- pgshift:backfill line */
};

/*
 * Refuses a plan with history problems; returns -1 with err set.  A failed
 * migration that runs outside a transaction is not a problem: deploy resumes
 * it (resumable[i] is set for those).
 */
static int check_plan(const struct plan *p, const bool *resumable, bool allow_ooo, struct pgs_error *err)
{
	struct buf names = BUF_INIT;
	int code = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];

		if ((plan_is_problem(e->state) && !resumable[i]) || (e->state == ST_OUT_OF_ORDER && !allow_ooo)) {
			buf_addf(&names, "%s%s (%s)", names.len ? ", " : "", e->name, mstate_name(e->state));
			code = EXIT_HISTORY;
		}
	}
	if (!code)
		return 0;
	err_set(err, code, "refusing to deploy: the history has problems: %s", names.data);
	buf_release(&names);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];

		switch (e->state) {
		case ST_FAILED:
			if (resumable[i])
				break;
			err_hint(err, "%s failed earlier; find out what it left behind, then mark it with "
				      "\"pgshift resolve --rolled-back %s\" (to run it again) or \"pgshift resolve "
				      "--applied %s\" (if you finished it by hand)", e->name, e->name, e->name);
			return -1;
		case ST_MODIFIED:
			err_hint(err, "%s was edited after it was applied (checksum differs); restore the applied "
				      "file (git checkout) and put the change in a new migration, or, after review, "
				      "accept the edit with \"pgshift resolve --accept-edit %s\" (\"pgshift status\" "
				      "says whether it is whitespace or comments only)", e->name, e->name);
			return -1;
		case ST_MISSING:
			err_hint(err, "%s is recorded as applied but its directory is gone; restore it from version "
				      "control (git checkout) or check that --dir points at the right place", e->name);
			return -1;
		case ST_OUT_OF_ORDER:
			if (!allow_ooo) {
				err_hint(err, "%s is older than the newest applied migration (%s); give it a newer "
					      "version, or pass --allow-out-of-order if the order does not matter",
					 e->name, p->newest_applied);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return -1;
}

/*
 * Parses one migration and decides how it runs: in a transaction, or
 * statement by statement in autocommit when it carries
 * `-- pgshift:no-transaction` or consists only of statements that cannot
 * run in a transaction block.  A mix without the directive is refused.
 */
/*
 * Finds the statements marked `-- pgshift:backfill` and cuts each into
 * table, SET and WHERE for the backfill engine; a mark that stands above no
 * plain UPDATE is an error naming its line.
 */
static int classify_backfill(const struct migration *m, struct item *it, struct pgs_error *err)
{
	const struct script *s = &it->script;
	size_t marked = 0, marks = 0;

	for (size_t d = 0; d < s->ndirectives; d++)
		marks += !strcmp(s->directives[d].name, "backfill");
	if (!marks)
		return 0;
	it->parts = xcalloc(s->n + 1, sizeof(*it->parts));
	it->bargs = xcalloc(s->n + 1, sizeof(*it->bargs));
	for (size_t i = 0; i < s->n; i++) {
		const struct directive *d = script_statement_directive(s, i, "backfill");

		if (!d)
			continue;
		marked++;
		if (script_backfill_args(d->args, &it->bargs[i], err) < 0) {
			err_place(err, m->sql_path, d->line, 0);
			return -1;
		}
		if (script_update_parts(m->sql.data, &s->stmts[i], &it->parts[i], err) < 0) {
			err_place(err, m->sql_path, s->stmts[i].line, 0);
			err_hint(err, "write the backfill as UPDATE table SET col = expr [WHERE condition]; pgshift "
				      "runs it in keyset batches");
			return -1;
		}
	}
	if (marked != marks) {
		err_set(err, EXIT_FAILURE_, "%s: a -- pgshift:backfill line stands above no statement", m->sql_path);
		err_hint(err, "put each -- pgshift:backfill on the line right above the UPDATE it runs in batches");
		return -1;
	}
	it->backfill = true;
	return 0;
}

static int classify(const struct plan_entry *e, int server_version, struct item *it, struct pgs_error *err)
{
	const struct migration *m = e->mig;
	size_t nauto = 0, first = 0;
	const char *why = NULL;

	if (script_split(m->sql_path, m->sql.data, &it->script, err) < 0) {
		err_prefix(err, "cannot deploy %s", e->name);
		return -1;
	}
	if (it->script.n == 0) {
		err_set(err, EXIT_FAILURE_, "%s: migration has no SQL statements (only comments)", m->sql_path);
		err_hint(err, "write the migration's SQL into it, or delete the directory %s", m->dir);
		return -1;
	}
	for (size_t i = 0; i < it->script.n; i++) {
		const char *w = script_needs_autocommit(it->script.stmts[i].node, server_version);
		if (w && !nauto++) {
			why = w;
			first = i;
		}
	}
	it->lock_timeout_ms = -1;
	{
		const struct directive *d = script_directive(&it->script, "lock-timeout");
		if (d && opts_parse_duration(d->args, &it->lock_timeout_ms) < 0) {
			err_set_at(err, EXIT_FAILURE_, m->sql_path, d->line, 0,
				   "-- pgshift:lock-timeout needs a duration from " OPTS_DURATION_RANGE " such as 10s, not \"%s\"",
				   d->args);
			return -1;
		}
	}
	if (classify_backfill(m, it, err) < 0)
		return -1;
	if (it->backfill && script_directive(&it->script, "no-transaction")) {
		err_set_at(err, EXIT_FAILURE_, m->sql_path, script_directive(&it->script, "no-transaction")->line, 0,
			   "-- pgshift:no-transaction and -- pgshift:backfill in one migration");
		err_hint(err, "a migration with a backfill already commits in steps (each run of plain statements "
			      "in one transaction, the backfill in batches); drop -- pgshift:no-transaction");
		return -1;
	}
	if (script_directive(&it->script, "no-transaction") || (nauto && nauto == it->script.n)) {
		it->autocommit = true;
		return 0;
	}
	if (nauto) {
		err_set_at(err, EXIT_FAILURE_, m->sql_path, it->script.stmts[first].line, 0,
			   "%s cannot run inside a transaction, and %s has other statements that do", why, e->name);
		err_detail(err, "statement %zu of %zu; pgshift runs a migration in one transaction unless every "
				"statement needs to run outside one", first + 1, it->script.n);
		err_hint(err, "split it: put the %s in a migration of its own (pgshift runs it outside a "
			      "transaction); or mark this file with -- pgshift:no-transaction to run every statement "
			      "on its own", why);
		return -1;
	}
	return 0;
}

/* One try of a transactional migration (or a run of its statements) with the given lock_timeout. */
struct try_arg {
	struct session *ss;
	struct apply_job *job;
	struct apply_opts ao;
	const struct history_run *row;	/* the begun row of a migration that commits in steps, or NULL */
	size_t from, to;
};

static int try_apply(void *arg, long lock_timeout_ms, struct apply_failure *fail, struct pgs_error *err)
{
	struct try_arg *t = arg;

	t->ao.lock_timeout_ms = lock_timeout_ms;
	t->ao.failure = fail;
	return t->row ? apply_steps(t->ss->conn, t->row, t->job, &t->ao, t->from, t->to, err)
		      : apply_script(t->ss->conn, &t->ss->ht, t->job, &t->ao, err);
}

/*
 * Applies one transactional migration, retrying when a lock is not granted
 * within lock_timeout (cmd/lockretry.h): the transaction is rolled back
 * (nothing of it stays) and pgshift sleeps while the application runs.  The
 * file's -- pgshift:lock-timeout (it->lock_timeout_ms) fixes the timeout.
 */
static int apply_with_retries(struct session *ss, const struct lock_retry *sched, struct item *it,
			      struct apply_job *job, const struct apply_opts *ao, const struct history_run *row, size_t from,
			      size_t to, const struct run_sink *sink, struct pgs_error *err)
{
	struct try_arg t = { ss, job, *ao, row, from, to };
	struct lock_retry lr = *sched;

	if (it->lock_timeout_ms >= 0)
		lr.fixed_ms = it->lock_timeout_ms;
	return lock_retry_run(ss->conn, &lr, job->m->name, &it->script, try_apply, &t, sink, err);
}

/* The failed attempt of a migration in one transaction, on record where Prisma needs it (history_record_failed_attempt). */
static void record_attempt(struct session *ss, const struct migration *m, double ms, const struct pgs_error *why,
			   const struct run_sink *sink)
{
	struct pgs_error err = PGS_ERROR_INIT;

	if (history_record_failed_attempt(ss->conn, &ss->ht, m->name, m->checksum, ms, why, &err) < 0) {
		run_notice(sink, RUN_WARNING, "could not record the failed attempt in %s: %s", ss->ht.table,
			   err.message ? err.message : "error");
		err_clear(&err);
	}
}

/*
 * Applies a migration with backfill statements.  It cannot be one
 * transaction (a backfill commits batch by batch), so it runs as the record
 * of a no-transaction migration does: a started row, then each run of plain
 * statements in one transaction together with the new step count, each
 * backfill through the backfill engine (resumable, named after the migration
 * and statement) followed by its step, then the finish.  A failure or Ctrl-C
 * leaves the row failed with the steps done; deploy resumes at the next step.
 */
static int apply_with_backfill(struct session *ss, const struct deploy_opts *o, const struct lock_retry *sched,
			       struct item *it, struct apply_job *job, struct apply_opts *ao, const struct run_sink *sink,
			       struct pgs_error *err)
{
	const struct script *s = &it->script;
	const struct migration *m = job->m;
	struct history_run row;
	size_t i = (size_t)it->start_step;
	char *logs;

	if (history_run_begin(ss->conn, &ss->ht, m->name, m->checksum, it->review, it->resume_id, &row, err) < 0)
		return -1;
	while (i < s->n) {
		if (it->parts[i].table) {
			struct backfill_spec spec = { it->parts[i].table, it->parts[i].set, it->parts[i].where, NULL };
			struct backfill_opts bo = BACKFILL_OPTS_INIT;
			const struct backfill_args *ba = &it->bargs[i];
			char *name = xasprintf("%s/%zu", m->name, i + 1);
			int r;

			spec.name = name;
			bo.lock_timeout_ms = ao->lock_timeout_ms > 0 ? ao->lock_timeout_ms : bo.lock_timeout_ms;
			if (ba->lock_timeout_ms >= 0)
				bo.lock_timeout_ms = ba->lock_timeout_ms;
			if (ba->batch > 0)
				bo.batch = ba->batch;
			if (ba->target_ms >= 0)
				bo.target_ms = ba->target_ms;
			if (ba->sleep_ms >= 0)
				bo.sleep_ms = ba->sleep_ms;
			if (ba->max_lag_ms >= 0)
				bo.max_lag_ms = ba->max_lag_ms;
			bo.restart = !it->resume_id;	/* a fresh attempt starts over; a resumed one goes on */
			run_notice(sink, RUN_INFO, "backfill %s (statement %zu, line %d): UPDATE %s in batches", m->name,
				   i + 1, s->stmts[i].line, it->parts[i].table);
			r = o->backfill ? o->backfill(o->backfill_ctx, ss->conn, &ss->ht, &spec, &bo, err)
					: backfill_run(ss->conn, &ss->ht, &spec, &bo, sink, err);
			free(name);
			if (r != 0) {
				err_prefix(err, "%s, statement %zu (line %d)", m->name, i + 1, s->stmts[i].line);
				err->code = r > 0 ? EXIT_INTERRUPTED : EXIT_FAILURE_;
				err_hint(err, "statements 1-%zu are applied and recorded and the backfill's progress is saved; "
					      "run deploy again to go on from there", i);
				goto failed;
			}
			if (history_run_step(ss->conn, &row, (int)i + 1, err) < 0)
				goto failed;
			i++;
			continue;
		}
		{
			size_t to = i;
			while (to < s->n && !it->parts[to].table)
				to++;
			if (apply_with_retries(ss, sched, it, job, ao, &row, i, to, sink, err) < 0) {
				err_hint(err, "this migration commits in steps because of its backfill: statements 1-%zu stay "
					      "applied and recorded, %zu-%zu were rolled back; fix it and run deploy again to "
					      "resume at statement %zu", i, i + 1, to, i + 1);
				goto failed;
			}
			i = to;
		}
	}
	return history_run_finish(ss->conn, &row, err);
failed:
	logs = xasprintf("pgshift: %s; %zu of %zu statements applied", err->message ? err->message : "failed", i, s->n);
	history_run_fail(ss->conn, &row, logs);
	free(logs);
	return -1;
}

/* What the statement path did on its own (an invalid index dropped). */
static void note(const char *message, void *ctx)
{
	run_notice(ctx, RUN_DONE, "%s", message);
}

static enum run_how how(const struct item *it)
{
	return it->autocommit ? RUN_NO_TRANSACTION : it->backfill ? RUN_WITH_BACKFILL : RUN_IN_TRANSACTION;
}

int deploy_pending(struct session *ss, const struct deploy_opts *o, const struct run_sink *sink, struct pgs_error *err)
{
	struct item *items = xcalloc(ss->plan.n + 1, sizeof(*items));
	bool *resumable = xcalloc(ss->plan.n + 1, sizeof(*resumable));
	struct apply_opts ao = { o->lock_timeout_ms, o->statement_timeout_ms, NULL };
	int version = db_server_version(ss->conn);
	struct lock_retry sched;
	size_t nitems = 0, applied = 0;
	int rc = -1;

	ao.note = note;
	ao.note_ctx = (void *)sink;
	/* Parse every migration to run (and every failed one, to see if it can resume) before applying any. */
	for (size_t i = 0; i < ss->plan.n; i++) {
		struct plan_entry *e = &ss->plan.entries[i];
		struct item *it = &items[nitems];
		bool failed = e->state == ST_FAILED && e->mig;

		if (!plan_is_pending(e->state, o->allow_out_of_order) && !failed)
			continue;
		it->idx = i;
		nitems++;
		if (classify(e, version, it, err) < 0)
			goto out;
		if (failed) {
			if (!it->autocommit && !it->backfill) {
				script_free(&it->script);
				nitems--;
				continue;	/* check_plan refuses it */
			}
			resumable[i] = true;
			it->resume_id = e->row->id;
			it->start_step = e->row->applied_steps_count;
			if ((size_t)it->start_step > it->script.n)
				it->start_step = 0;
		}
	}
	if (check_plan(&ss->plan, resumable, o->allow_out_of_order, err) < 0)
		goto out;
	if (o->gate) {
		struct gate_file *files = xcalloc(nitems + 1, sizeof(*files));
		struct gate_opts go = { o->approve, o->strict, false };

		for (size_t k = 0; k < nitems; k++) {
			const struct plan_entry *e = &ss->plan.entries[items[k].idx];
			files[k] = (struct gate_file){ e->mig->sql_path, e->mig->sql.data, e->name, NULL };
		}
		if (lint_gate(ss->conn, &go, files, nitems, sink, err) < 0) {
			free(files);
			goto out;
		}
		for (size_t k = 0; k < nitems; k++)
			items[k].review = files[k].review;	/* the item owns it now */
		free(files);
	}
	if (o->dry_run) {
		if (ss->lock_holder)
			run_notice(sink, RUN_INFO, "dry run: another deploy is at work: the migration lock is held by %s; "
				   "a real deploy would wait for it", ss->lock_holder);
		if (!nitems)
			run_notice(sink, RUN_INFO, "dry run: %s is up to date, nothing to apply", ss->t.display);
		else
			run_notice(sink, RUN_INFO, "dry run: would apply %zu migration%s to %s:", nitems,
				   nitems == 1 ? "" : "s", ss->t.display);
		for (size_t k = 0; k < nitems; k++) {
			const struct item *it = &items[k];

			run_emit(sink, &(struct run_event){ .kind = RUN_PLANNED, .name = ss->plan.entries[it->idx].name,
							     .statements = (long)it->script.n,
							     .resumed_from = it->start_step,
							     .resuming = it->resume_id != NULL, .how = how(it) });
		}
		rc = (int)nitems;
		goto out;
	}
	lock_retry_init(&sched, o->lock_timeout_ms, o->lock_retries, o->lock_retry_delay_ms,
			db_deadlock_timeout_ms(ss->conn));
	lock_retry_warn(&sched, sink);
	for (size_t k = 0; k < nitems; k++) {
		struct item *it = &items[k];
		struct plan_entry *e = &ss->plan.entries[it->idx];
		struct apply_job job = { APPLY_UP, e->mig, e->mig->sql_path, e->mig->sql.data, &it->script, it->review };
		double t0 = now_ms();
		int r;

		if (it->resume_id)
			run_notice(sink, RUN_INFO, "resuming %s at statement %d of %zu (%d applied earlier)", e->name,
				   it->start_step + 1, it->script.n, it->start_step);
		ao.lock_timeout_ms = it->lock_timeout_ms >= 0 ? it->lock_timeout_ms : o->lock_timeout_ms;
		ao.concurrent_lock_timeout_ms = 0;
		if (it->autocommit && ao.lock_timeout_ms < 0) {
			ao.lock_timeout_ms = LOCK_RETRY_NO_TX_MS;
			ao.concurrent_lock_timeout_ms = LOCK_RETRY_CONCURRENT_MS;
		}
		if (it->autocommit)
			r = apply_autocommit(ss->conn, &ss->ht, &job, &ao, it->resume_id, it->start_step, err);
		else if (it->backfill)
			r = apply_with_backfill(ss, o, &sched, it, &job, &ao, sink, err);
		else
			r = apply_with_retries(ss, &sched, it, &job, &ao, NULL, 0, 0, sink, err);
		if (r < 0) {
			if (!it->autocommit && !it->backfill)
				record_attempt(ss, e->mig, now_ms() - t0, err, sink);
			if (applied)
				run_notice(sink, RUN_INFO, "%zu migration%s applied before the failure", applied,
					   applied == 1 ? "" : "s");
			goto out;
		}
		applied++;
		run_emit(sink, &(struct run_event){ .kind = RUN_APPLIED, .name = e->name, .ms = now_ms() - t0,
						     .statements = (long)it->script.n, .resumed_from = it->start_step,
						     .how = how(it) });
	}
	rc = (int)applied;
out:
	for (size_t k = 0; k < nitems; k++) {
		for (size_t i = 0; items[k].parts && i < items[k].script.n; i++)
			update_parts_free(&items[k].parts[i]);
		free(items[k].parts);
		free(items[k].bargs);
		script_free(&items[k].script);
		free(items[k].review);
	}
	free(items);
	free(resumable);
	return rc;
}

bool deploy_resumes(const struct plan_entry *e, int server_version, size_t *step, struct script *s)
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

/*
 * The git commit being deployed: PGSHIFT_GIT_COMMIT, else GITHUB_SHA, else
 * HEAD of the repository the migrations are in (git runs with a scrubbed
 * environment); NULL when none is known.  New string.
 */
static char *deployed_commit(const char *dir)
{
	const char *v;
	char *argv[] = { "git", "-C", (char *)dir, "rev-parse", "--verify", "-q", "HEAD", NULL };
	struct buf out = BUF_INIT, e = BUF_INIT;
	char *commit = NULL;

	if ((v = config_getenv("PGSHIFT_GIT_COMMIT")) && *v)
		return xstrdup(v);
	if ((v = config_getenv("GITHUB_SHA")) && *v)
		return xstrdup(v);
	if (proc_capture(argv, &out, &e) == 0) {
		while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
			out.data[--out.len] = '\0';
		if (out.len)
			commit = buf_detach(&out);
	}
	buf_release(&out);
	buf_release(&e);
	return commit;
}

int deployment_begin(struct session *ss, struct deployment *prev, char **id, char **commit,
			    struct pgs_error *err)
{
	*commit = deployed_commit(ss->set.dir);
	if (deployments_ensure(ss->conn, &ss->ht, err) < 0 || deployments_last_hook(ss->conn, &ss->ht, prev, err) < 0)
		return -1;
	return deployments_start(ss->conn, &ss->ht, *commit, id, err);
}
