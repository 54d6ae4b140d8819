/*
 * apply: one script, one transaction.
 */
#include "db/apply.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "db/conn.h"
#include "util/buf.h"
#include "util/exitcodes.h"

/* Fills err for statement number idx (0-based) of the job that failed with f. */
static int statement_error(const struct apply_job *job, size_t idx, const struct sql_failure *f, bool conn_lost,
			   struct pgs_error *err)
{
	const struct script *s = job->script;
	const char *name = job->m ? job->m->name : "";
	const struct stmt *st = &s->stmts[idx];
	const char *sql = job->sql;
	static const char *const whats[] = { "migration", "rollback of", "seed", "SQL" };
	static const char *const agains[] = { "deploy", "rollback", "the seed", "the command" };
	const char *what = whats[job->kind], *again = agains[job->kind];
	int line = st->line;
	struct buf detail = BUF_INIT;
	struct buf first = BUF_INIT;

	if (f->position > 0) {
		/* The server's position is in characters of the text we sent. */
		size_t at = st->off + text_char_to_byte(sql + st->off, st->len, f->position);
		line = text_line_of(sql, at);
	}
	script_first_line(sql, st, &first, 120);
	if (conn_lost)
		err_set(err, EXIT_FAILURE_, "connection lost during %s%s%s at %s:%d: %s", what, *name ? " " : "", name, job->path,
			line, f->message ? f->message : "server closed the connection");
	else
		err_set(err, EXIT_FAILURE_, "%s%s%s failed at %s:%d: %s", what, *name ? " " : "", name, job->path, line,
			f->message ? f->message : "unknown error");
	buf_addf(&detail, "statement %zu of %zu (line %d): %s", idx + 1, s->n, st->line, first.data);
	if (f->detail)
		buf_addf(&detail, "\n%s", f->detail);
	if (f->sqlstate[0])
		buf_addf(&detail, "\nSQLSTATE %s", f->sqlstate);
	if (f->context)
		buf_addf(&detail, "\ncontext: %s", f->context);
	err_detail(err, "%s", detail.data);
	if (f->hint)
		err_hint(err, "%s; nothing of this %s was applied; fix it and run %s again", f->hint,
			 job->kind == APPLY_SEED ? "seed" : job->kind == APPLY_LOAD ? "file" : "migration", again);
	else if (conn_lost)
		err_hint(err, "the server rolled it back (it was not committed); check the server and run %s again",
			 again);
	else
		err_hint(err, "nothing of it was applied (the transaction was rolled back); fix %s and run %s again",
			 job->path, again);
	buf_release(&detail);
	buf_release(&first);
	return -1;
}

/*
 * BEGIN and the transaction's timeouts in one round trip.  The values are
 * integers formatted here, never text from outside.
 */
static int begin(PGconn *conn, const struct apply_opts *o, struct pgs_error *err)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL lock_timeout = %ld; SET LOCAL statement_timeout = %ld",
		 o->lock_timeout_ms, o->statement_timeout_ms);
	if (db_exec(conn, sql, "could not start the migration's transaction", err) < 0) {
		db_rollback(conn);
		return -1;
	}
	return 0;
}

/* Runs statements [from, to) of one job inside the current transaction. */
static int run_range(PGconn *conn, const struct apply_job *job, size_t from, size_t to, struct apply_failure *fail,
		     struct pgs_error *err)
{
	const struct script *s = job->script;
	struct buf text = BUF_INIT;

	for (size_t i = from; i < to; i++) {
		const struct stmt *st = &s->stmts[i];
		struct sql_failure f;

		buf_reset(&text);
		buf_add(&text, job->sql + st->off, st->len);
		if (db_exec_script_stmt(conn, text.data, &f) < 0) {
			if (fail) {
				memcpy(fail->sqlstate, f.sqlstate, sizeof(fail->sqlstate));
				fail->stmt = (long)i;
			}
			statement_error(job, i, &f, PQstatus(conn) != CONNECTION_OK, err);
			sql_failure_free(&f);
			buf_release(&text);
			return -1;
		}
	}
	buf_release(&text);
	return 0;
}

/* The most SQL text one query of a batch holds: the server parses a whole query before it runs any of it. */
#define BATCH_BYTES (256 * 1024)

/* Takes the results of one query of a batch: as run_batch. */
static int batch_results(PGconn *conn, const struct apply_job *job, struct pgs_error *err)
{
	PGresult *res;
	int rc = 0;

	while ((res = PQgetResult(conn))) {
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY:
			break;
		case PGRES_COPY_IN:
			/* no data in a migration file (db_exec_script_stmt says so when run again) */
			PQputCopyEnd(conn, "COPY from stdin is not supported in migrations");
			rc = 1;
			break;
		case PGRES_COPY_OUT: {
			char *row;

			while (PQgetCopyData(conn, &row, 0) > 0)
				PQfreemem(row);
			rc = 1;
			break;
		}
		default: {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (rc == 0 && state && !strcmp(state, "57014")) {
				char *what = job->m ? xasprintf("migration %s cancelled", job->m->name)
						    : xasprintf("%s cancelled", job->path);

				db_result_error(conn, res, what, err);
				free(what);
				rc = -1;
			} else if (rc == 0) {
				rc = 1;
			}
			break;
		}
		}
		PQclear(res);
	}
	return rc;
}

/*
 * Statements [from, to) of one job sent as few queries inside the current
 * transaction (apply_opts.batch), each of up to BATCH_BYTES of them: 0 when
 * every one ran, 1 when one failed (the transaction is aborted: run them
 * again one by one to name it; a lost connection is named there too), -1
 * with err when it was cancelled (a signal, a statement_timeout: running
 * them again would only wait for the same end).
 */
static int run_batch(PGconn *conn, const struct apply_job *job, size_t from, size_t to, struct pgs_error *err)
{
	const struct script *s = job->script;
	struct buf text = BUF_INIT;
	int rc = 0;

	for (size_t i = from; i < to && rc == 0;) {
		buf_reset(&text);
		do {
			/* on a line of its own: a statement may end in a -- comment */
			buf_add(&text, job->sql + s->stmts[i].off, s->stmts[i].len);
			buf_adds(&text, "\n;\n");
		} while (++i < to && text.len < BATCH_BYTES);
		rc = PQsendQuery(conn, text.data) ? batch_results(conn, job, err) : 1;
	}
	buf_release(&text);
	return rc;
}

static int run_statements(PGconn *conn, const struct apply_job *job, struct apply_failure *fail,
			  struct pgs_error *err)
{
	return run_range(conn, job, 0, job->script->n, fail, err);
}

static int record(PGconn *conn, const struct history_table *ht, const struct apply_job *job, struct pgs_error *err)
{
	switch (job->kind) {
	case APPLY_UP:
		return history_insert_applied(conn, ht, job->m->name, job->m->checksum, 1, job->review, err);
	case APPLY_DOWN:
		return history_mark_rolled_back(conn, ht, job->m->name, err);
	default:
		return 0;
	}
}

/* COMMIT; a connection lost on the way leaves the outcome unknown, and says so. */
static int commit(PGconn *conn, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "COMMIT");

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		bool lost = PQstatus(conn) != CONNECTION_OK;
		db_result_error(conn, res, lost ? "connection lost during COMMIT" : "could not commit", err);
		if (lost)
			err_hint(err, "whether it was committed is unknown: run \"pgshift status\" to see");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/*
 * The jobs in one transaction, each job's statements one query
 * (apply_opts.batch); returns as run_batch (1: rolled back, run them one by
 * one), or -1 with err when the history row or the COMMIT failed.
 */
static int scripts_batched(PGconn *conn, const struct history_table *ht, const struct apply_job *jobs, size_t n,
			   const struct apply_opts *o, struct pgs_error *err)
{
	int r = 0;

	if (begin(conn, o, err) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = run_batch(conn, &jobs[i], 0, jobs[i].script->n, err);
		if (r == 0 && record(conn, ht, &jobs[i], err) < 0)
			r = -1;
	}
	if (r != 0) {
		db_rollback(conn);
		return r;
	}
	return commit(conn, err);
}

int apply_scripts(PGconn *conn, const struct history_table *ht, const struct apply_job *jobs, size_t n,
		  const struct apply_opts *o, struct pgs_error *err)
{
	if (o->batch && !o->failure) {
		int r = scripts_batched(conn, ht, jobs, n, o, err);

		if (r <= 0)
			return r;
		/* a statement failed: run them again one by one, to name it */
	}
	if (o->failure) {
		o->failure->sqlstate[0] = '\0';
		o->failure->stmt = -1;
	}
	if (begin(conn, o, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (run_statements(conn, &jobs[i], o->failure, err) < 0 || record(conn, ht, &jobs[i], err) < 0) {
			db_rollback(conn);
			return -1;
		}
	}
	return commit(conn, err);
}

int apply_script(PGconn *conn, const struct history_table *ht, const struct apply_job *job,
		 const struct apply_opts *o, struct pgs_error *err)
{
	return apply_scripts(conn, ht, job, 1, o, err);
}

int apply_range(PGconn *conn, const struct apply_job *job, const struct apply_opts *o, size_t from, size_t to,
		struct pgs_error *err)
{
	if (o->batch && !o->failure) {
		int r = begin(conn, o, err) < 0 ? -1 : run_batch(conn, job, from, to, err);

		if (r == 0)
			return commit(conn, err);
		db_rollback(conn);
		if (r < 0)
			return -1;
		/* a statement failed: run them again one by one, to name it */
	}
	if (begin(conn, o, err) < 0)
		return -1;
	if (run_range(conn, job, from, to, o->failure, err) < 0) {
		db_rollback(conn);
		return -1;
	}
	return commit(conn, err);
}

/* Session-level timeouts for autocommit statements (SET LOCAL would end with each statement). */
static int set_session_timeouts(PGconn *conn, long lock_timeout_ms, long statement_timeout_ms, struct pgs_error *err)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SET lock_timeout = %ld; SET statement_timeout = %ld", lock_timeout_ms,
		 statement_timeout_ms);
	return db_exec(conn, sql, "could not set the migration's timeouts", err);
}

/*
 * The index check around statement i failed (err says why and what to do):
 * err names the migration and the line, and the row records the failure
 * with the steps done before it, so that deploy resumes at statement i.
 */
static void guard_failed(PGconn *conn, const struct history_run *row, const struct apply_job *job, size_t i,
			 struct pgs_error *err)
{
	const struct stmt *st = &job->script->stmts[i];
	char *logs;

	err_prefix(err, "%s%s failed at %s:%d", job->m ? "migration " : "", job->m ? job->m->name : job->path, job->path,
		   st->line);
	logs = xasprintf("statement %zu of %zu (line %d) failed: %s; %zu of %zu statements applied", i + 1,
			 job->script->n, st->line, err->message, i, job->script->n);
	history_run_fail(conn, row, logs);
	free(logs);
}

int apply_autocommit(PGconn *conn, const struct history_table *ht, const struct apply_job *job,
		     const struct apply_opts *o, const char *resume_id, int start_step, struct pgs_error *err)
{
	const struct script *s = job->script;
	struct buf text = BUF_INIT;
	struct history_run row;
	int rc = -1;

	if (history_run_begin(conn, ht, job->m ? job->m->name : NULL, job->m ? job->m->checksum : NULL, job->review,
			      resume_id, &row, err) < 0)
		return -1;
	for (size_t i = (size_t)start_step; i < s->n; i++) {
		const struct stmt *st = &s->stmts[i];
		struct sql_failure f;
		struct concurrent_index ci;

		script_concurrent_index(st->node, &ci);
		if (set_session_timeouts(conn, ci.kind != CC_NONE && o->concurrent_lock_timeout_ms > 0
						       ? o->concurrent_lock_timeout_ms : o->lock_timeout_ms,
					 o->statement_timeout_ms, err) < 0) {
			guard_failed(conn, &row, job, i, err);
			goto out;
		}
		if (db_index_guard_before(conn, &ci, o->note, o->note_ctx, err) < 0) {
			guard_failed(conn, &row, job, i, err);
			goto out;
		}
		buf_reset(&text);
		buf_add(&text, job->sql + st->off, st->len);
		if (db_exec_script_stmt(conn, text.data, &f) < 0) {
			bool lost = PQstatus(conn) != CONNECTION_OK;
			struct buf logs = BUF_INIT, first = BUF_INIT;

			statement_error(job, i, &f, lost, err);
			script_first_line(job->sql, st, &first, 200);
			buf_addf(&logs, "statement %zu of %zu (line %d) failed: %s%s%s; %zu of %zu statements applied; "
					"statement: %s",
				 i + 1, s->n, st->line, f.message ? f.message : "error", f.sqlstate[0] ? " SQLSTATE " : "",
				 f.sqlstate, i, s->n, first.data);
			/* The hint of a transactional failure does not hold here: say what does. */
			if (!ht)
				err_hint(err, "statements 1-%zu of %s ran (outside a transaction) before this one failed",
					 i, job->path);
			else
				err_hint(err, "this migration runs outside a transaction: statements 1-%zu stay applied and "
					      "are recorded; fix statement %zu and run deploy again to resume there, or "
					      "finish it by hand and run \"pgshift resolve --applied %s\"",
					 i, i + 1, job->m->name);
			if (i == 0 && ht)
				err_hint(err, "this migration runs outside a transaction and nothing of it was applied; fix "
					      "statement 1 and run deploy again, or \"pgshift resolve --rolled-back %s\"",
					 job->m->name);
			history_run_fail(conn, &row, logs.data);
			buf_release(&logs);
			buf_release(&first);
			sql_failure_free(&f);
			goto out;
		}
		if (db_index_guard_after(conn, &ci, o->note, o->note_ctx, err) < 0) {
			guard_failed(conn, &row, job, i, err);
			goto out;
		}
		if (history_run_step(conn, &row, (int)i + 1, err) < 0)
			goto out;
	}
	if (history_run_finish(conn, &row, err) < 0)
		goto out;
	rc = 0;
out:
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "RESET lock_timeout; RESET statement_timeout"));
	buf_release(&text);
	return rc;
}

int apply_steps(PGconn *conn, const struct history_run *row, const struct apply_job *job, const struct apply_opts *o,
		size_t from, size_t to, struct pgs_error *err)
{
	if (o->failure) {
		o->failure->sqlstate[0] = '\0';
		o->failure->stmt = -1;
	}
	if (begin(conn, o, err) < 0)
		return -1;
	if (run_range(conn, job, from, to, o->failure, err) < 0 ||
	    history_run_step(conn, row, (int)to, err) < 0) {
		db_rollback(conn);
		return -1;
	}
	return commit(conn, err);
}
