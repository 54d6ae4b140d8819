/*
 * apply: one script, one transaction.
 */
#include "db/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "db/conn.h"
#include "util/buf.h"
#include "util/exitcodes.h"

static void rollback(PGconn *conn)
{
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
}

/* Fills err for statement number idx (0-based) of the job that failed with f. */
static int statement_error(const struct apply_job *job, size_t idx, const struct sql_failure *f, bool conn_lost,
			   struct pgs_error *err)
{
	const struct script *s = job->script;
	const char *name = job->m ? job->m->name : "";
	const struct stmt *st = &s->stmts[idx];
	const char *sql = job->sql;
	const char *what = job->kind == APPLY_UP ? "migration" : job->kind == APPLY_DOWN ? "rollback of" : "seed";
	const char *again = job->kind == APPLY_UP ? "deploy" : job->kind == APPLY_DOWN ? "rollback" : "the seed";
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
			 job->kind == APPLY_SEED ? "seed" : "migration", again);
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
		rollback(conn);
		return -1;
	}
	return 0;
}

/* Runs the statements of one job inside the current transaction. */
static int run_statements(PGconn *conn, const struct apply_job *job, struct pgs_error *err)
{
	const struct script *s = job->script;
	struct buf text = BUF_INIT;

	for (size_t i = 0; i < s->n; i++) {
		const struct stmt *st = &s->stmts[i];
		struct sql_failure f;

		buf_reset(&text);
		buf_add(&text, job->sql + st->off, st->len);
		if (db_exec_script_stmt(conn, text.data, &f) < 0) {
			statement_error(job, i, &f, PQstatus(conn) != CONNECTION_OK, err);
			sql_failure_free(&f);
			buf_release(&text);
			return -1;
		}
	}
	buf_release(&text);
	return 0;
}

static int record(PGconn *conn, const struct history_table *ht, const struct apply_job *job, struct pgs_error *err)
{
	switch (job->kind) {
	case APPLY_UP:
		return history_insert_applied(conn, ht, job->m->name, job->m->checksum, 1, err);
	case APPLY_DOWN:
		return history_mark_rolled_back(conn, ht, job->m->name, err);
	default:
		return 0;
	}
}

int apply_scripts(PGconn *conn, const struct history_table *ht, const struct apply_job *jobs, size_t n,
		  const struct apply_opts *o, struct pgs_error *err)
{
	PGresult *res;

	if (begin(conn, o, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (run_statements(conn, &jobs[i], err) < 0 || record(conn, ht, &jobs[i], err) < 0) {
			rollback(conn);
			return -1;
		}
	}
	res = PQexec(conn, "COMMIT");
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

int apply_script(PGconn *conn, const struct history_table *ht, const struct apply_job *job,
		 const struct apply_opts *o, struct pgs_error *err)
{
	return apply_scripts(conn, ht, job, 1, o, err);
}
