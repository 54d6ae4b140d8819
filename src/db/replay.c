/*
 * replay: migrations or SQL files into a scratch database, through the
 * statement path deploy uses (db/apply.c).
 */
#include "db/replay.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "core/script.h"
#include "core/seed.h"
#include "core/text.h"
#include "db/apply.h"
#include "db/conn.h"
#include "db/scratch.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"

static int by_finish(const void *a, const void *b)
{
	const struct plan_entry *x = *(const struct plan_entry *const *)a;
	const struct plan_entry *y = *(const struct plan_entry *const *)b;
	const char *fx = x->row && x->row->finished_at ? x->row->finished_at : "";
	const char *fy = y->row && y->row->finished_at ? y->row->finished_at : "";
	int c = strcmp(fx, fy);

	return c ? c : strcmp(x->name, y->name);
}

int replay_applied(const struct plan *p, const struct migration ***out, size_t *n, struct pgs_error *err)
{
	const struct plan_entry **e = xcalloc(p->n + 1, sizeof(*e));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *x = &p->entries[i];

		switch (x->state) {
		case ST_APPLIED:
			e[k++] = x;
			break;
		case ST_RUNNING:
			free(e);
			err_set(err, EXIT_LOCK, "a deploy is at work on %s: the history does not say yet what the database "
				"holds", x->name);
			err_hint(err, "run it again when the deploy is done");
			return -1;
		case ST_FAILED:
		case ST_MODIFIED:
		case ST_MISSING:
			free(e);
			err_set(err, EXIT_HISTORY, "cannot replay the history: %s is %s", x->name, mstate_name(x->state));
			err_detail(err, "the migrations are replayed as the history says they were applied; a %s "
					"migration does not say what the database should hold",
				   mstate_name(x->state));
			err_hint(err, "run \"pgshift status\" and fix the history first");
			return -1;
		default:
			break;
		}
	}
	qsort(e, k, sizeof(*e), by_finish);
	*out = xcalloc(k + 1, sizeof(**out));
	for (size_t i = 0; i < k; i++)
		(*out)[i] = e[i]->mig;
	*n = k;
	free(e);
	return 0;
}

/* The statements must run one by one outside a transaction (as deploy runs them). */
static bool runs_outside_transaction(const struct script *s, int version)
{
	return script_directive(s, "no-transaction") ||
	       (!script_directive(s, "backfill") && script_commits_in_steps(s, version));
}

/* Says what a failure while filling the scratch means; a signal makes it an interruption. */
static void replay_failed(const char *what, struct pgs_error *err)
{
	if (scratch_interrupted()) {
		err_set(err, EXIT_INTERRUPTED, "interrupted while replaying %s", what);
		return;
	}
	err_prefix(err, "replaying %s into the scratch database", what);
	err_hint(err, "the scratch database starts empty: a statement that needs something the migrations do not "
		      "make (a role, an extension's files on the server) fails there");
}

int replay_migrations(PGconn *conn, const struct history_table *ht, const struct migration *const *migs, size_t n,
		      struct pgs_error *err)
{
	int version = PQserverVersion(conn);
	struct apply_opts ao = { .batch = true };

	if (history_ensure(conn, ht, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct migration *m = migs[i];
		struct script s;
		struct apply_job job = { APPLY_UP, m, m->sql_path, m->sql.data, &s, NULL };
		int r;

		if (scratch_interrupted())
			return err_set(err, EXIT_INTERRUPTED, "interrupted before replaying %s", m->name);
		if (script_split(m->sql_path, m->sql.data, &s, err) < 0)
			return -1;
		r = runs_outside_transaction(&s, version) ? apply_autocommit(conn, ht, &job, &ao, NULL, 0, err)
							  : apply_script(conn, ht, &job, &ao, err);
		script_free(&s);
		if (r < 0) {
			replay_failed(m->name, err);
			return -1;
		}
	}
	return 0;
}

static int load_file(PGconn *conn, const char *path, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	struct script s = { 0 };
	struct apply_opts ao = { .batch = true };
	bool split = false;
	int rc = -1;

	if (fs_read_file(path, &sql, err) < 0)
		goto out;
	text_strip_bom(&sql);
	if (script_split(path, sql.data ? sql.data : "", &s, err) < 0)
		goto out;
	split = true;
	rc = 0;
	if (s.n) {
		struct apply_job job = { APPLY_LOAD, NULL, path, sql.data, &s, NULL };

		if (runs_outside_transaction(&s, PQserverVersion(conn))) {
			rc = apply_autocommit(conn, NULL, &job, &ao, NULL, 0, err);
		} else {
			/* a signal between two chunks stops it too (replay_failed says so) */
			for (size_t from = 0; from < s.n && rc == 0; from += REPLAY_CHUNK)
				rc = scratch_interrupted() ? -1 : apply_range(conn, &job, &ao, from,
									     from + REPLAY_CHUNK < s.n ? from + REPLAY_CHUNK : s.n, err);
		}
		if (rc < 0)
			replay_failed(path, err);
	}
out:
	if (split)
		script_free(&s);
	buf_release(&sql);
	return rc;
}

int replay_sql_path(PGconn *conn, const char *path, struct pgs_error *err)
{
	struct seed_files files;
	int rc = 0;

	if (!fs_is_file(path) && !fs_is_dir(path))
		return err_set(err, EXIT_USAGE, "\"%s\" is neither a .sql file nor a directory", path);
	if (seed_find(NULL, path, &files, err) < 0)
		return -1;
	for (size_t i = 0; i < files.n && rc == 0; i++)
		rc = load_file(conn, files.paths[i], err);
	seed_files_free(&files);
	return rc;
}

int replay_statements(PGconn *conn, const char *const *sql, size_t n, bool in_transaction, const char *what,
		      struct pgs_error *err)
{
	if (in_transaction && db_exec(conn, "BEGIN", "could not begin a transaction", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (db_exec(conn, sql[i], "statement failed", err) < 0) {
			if (in_transaction && PQtransactionStatus(conn) != PQTRANS_IDLE)
				PQclear(PQexec(conn, "ROLLBACK"));
			err_detail(err, "statement: %s", sql[i]);
			replay_failed(what, err);
			if (!scratch_interrupted())
				err_hint(err, "pgshift cannot make this change on its own (e.g. a type change between types "
					      "with no cast): write this step as a migration by hand, then generate the rest");
			return -1;
		}
	}
	return in_transaction ? db_exec(conn, "COMMIT", "could not commit", err) : 0;
}
