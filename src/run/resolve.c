/*
 * resolve: the engine of pgshift resolve (see resolve.h).
 *
 * --rolled-back marks the unfinished rows of a failed migration rolled
 * back, so the next deploy runs it again (after the user has cleaned up
 * what it left behind); --applied records it as applied (the user finished
 * it by hand), with the checksum of the file on disk.  A migration that
 * commits in steps (no-transaction, backfill) may have failed with some
 * statements applied: deploy resumes it after them, while --rolled-back
 * would make the next deploy run them again (an INSERT twice), so it is
 * refused, naming them, unless the user says that is what they want.
 * --accept-edit records, after review, the new checksum of an applied
 * migration whose file was edited, with who accepted it and when.
 */
#include "run/resolve.h"

#include <string.h>

#include "core/edit.h"
#include "core/script.h"
#include "run/deploy.h"
#include "util/exitcodes.h"

/* --accept-edit: e is the entry named; only a modified migration (applied, file edited since) qualifies. */
static int accept_edit(struct session *ss, const struct plan_entry *e, const char *who, const struct run_sink *sink,
		       struct pgs_error *err)
{
	struct buf found = BUF_INIT, what = BUF_INIT;
	enum edit_kind k;
	int rc;

	if (e->state != ST_MODIFIED) {
		err_set(err, EXIT_HISTORY, "%s is %s, not modified: only an applied migration whose file changed has "
			"an edit to accept", e->name, mstate_name(e->state));
		err_hint(err, "\"pgshift status\" shows every state");
		return -1;
	}
	k = edit_classify(e->mig, e->row->checksum, &found);
	rc = history_accept_edit(ss->conn, &ss->ht, e->name, e->row->checksum, e->mig->checksum, who, err);
	if (rc == 0) {
		edit_describe(k, found.data, &what);
		run_notice(sink, RUN_INFO, "%s: edit accepted, recorded checksum %s; the edit: %s", e->name, e->mig->checksum,
			   what.data);
		if (k != EDIT_LAYOUT)
			run_notice(sink, RUN_HINT, "the edited SQL is not run: the database keeps what the applied text did; put a change "
				 "that must run in a new migration");
	}
	buf_release(&found);
	buf_release(&what);
	return rc;
}

/*
 * --rolled-back: when statements of e are applied and deploy would resume
 * after them, refuses (without rerun) naming those statements, or says that
 * the next deploy runs them again.
 */
static int check_rerun(struct session *ss, const struct plan_entry *e, bool rerun, const struct run_sink *sink,
		       struct pgs_error *err)
{
	struct script s;
	struct buf list = BUF_INIT;
	size_t step;

	if (!deploy_resumes(e, db_server_version(ss->conn), &step, &s))
		return 0;
	for (size_t i = 0; i < step; i++) {
		buf_addf(&list, "\n  statement %zu (line %d): ", i + 1, s.stmts[i].line);
		script_first_line(e->mig->sql.data, &s.stmts[i], &list, 100);
	}
	if (step && !rerun) {
		err_set(err, EXIT_USAGE, "refusing to resolve %s as rolled back: %zu of its %zu statements are applied, "
			"and the next deploy would run %s again", e->name, step, s.n, step == 1 ? "it" : "them");
		err_detail(err, "applied, and would run again:%s", list.data);
		err_hint(err, "\"pgshift deploy\" resumes %s at statement %zu without running %s again (fix what made it "
			      "fail first); to run the whole migration again anyway (after undoing %s by hand, or when %s "
			      "safe to repeat), add --rerun-applied-steps", e->name, step + 1, step == 1 ? "it" : "them",
			 step == 1 ? "it" : "them", step == 1 ? "it is" : "they are");
	} else if (step) {
		run_notice(sink, RUN_WARNING, "the next deploy runs %s from statement 1, again running the %zu applied "
			   "before the failure:%s", e->name, step, list.data);
	}
	buf_release(&list);
	script_free(&s);
	return step && !rerun ? -1 : 0;
}

int resolve_run(struct session *ss, const struct resolve_opts *o, const struct run_sink *sink, struct pgs_error *err)
{
	const struct plan_entry *e = NULL;
	const char *name = o->name;

	for (size_t i = 0; i < ss->plan.n; i++)
		if (!strcmp(ss->plan.entries[i].name, name))
			e = &ss->plan.entries[i];
	if (!e) {
		err_set(err, EXIT_USAGE, "no migration named \"%s\"", name);
		err_hint(err, "\"pgshift status\" lists the migrations and their states");
		return -1;
	}
	if (o->as == RESOLVE_ACCEPT_EDIT)
		return accept_edit(ss, e, o->who, sink, err);
	if (e->state != ST_FAILED) {
		err_set(err, EXIT_HISTORY, "%s is %s, not failed: only a failed migration can be resolved", name,
			mstate_name(e->state));
		err_hint(err, "\"pgshift status\" shows every state; use \"pgshift rollback\" to revert an applied "
			      "migration");
		return -1;
	}
	if (o->as == RESOLVE_APPLIED && !e->mig) {
		err_set(err, EXIT_HISTORY, "%s has no migration.sql on disk, so it cannot be recorded as applied", name);
		err_hint(err, "restore its directory (git checkout), or resolve it with --rolled-back");
		return -1;
	}
	if (o->as == RESOLVE_ROLLED_BACK && check_rerun(ss, e, o->rerun, sink, err) < 0)
		return -1;
	if (history_resolve(ss->conn, &ss->ht, name, o->as == RESOLVE_APPLIED, e->mig ? e->mig->checksum : "", err) < 0)
		return -1;
	run_notice(sink, RUN_INFO, "%s resolved as %s", name, o->as == RESOLVE_APPLIED ? "applied" : "rolled back");
	if (o->as == RESOLVE_ROLLED_BACK)
		run_notice(sink, RUN_HINT, "the next \"pgshift deploy\" runs it again");
	return 0;
}
