/*
 * resolve: the way out of a failed migration, as Prisma's migrate resolve.
 *
 * Only a migration in state failed can be resolved.  --rolled-back marks its
 * unfinished rows rolled back, so the next deploy runs it again (after the
 * user has cleaned up what it left behind); --applied records it as applied
 * (the user finished it by hand), with the checksum of the file on disk.
 *
 * A migration that commits in steps (no-transaction, backfill) may have
 * failed with some statements applied.  Deploy resumes it after them;
 * --rolled-back would make the next deploy run it from the start, those
 * statements again (an INSERT twice), so it is refused, naming them, unless
 * --rerun-applied-steps says that is what the user wants.
 * --accept-edit records, after review, the new checksum of an applied
 * migration whose file was edited (line endings, comments, a fix already
 * made by hand), with who accepted it and when.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "core/script.h"
#include "core/edit.h"
#include "run/deploy.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift resolve --applied NAME | --rolled-back NAME | --accept-edit NAME [options]";

/* The local user who accepts an edit: the account's name, else $USER, else its uid. */
static void local_user(struct buf *who)
{
	const struct passwd *pw = getpwuid(geteuid());
	const char *env = getenv("USER");

	if (pw && pw->pw_name && *pw->pw_name)
		buf_adds(who, pw->pw_name);
	else if (env && *env)
		buf_adds(who, env);
	else
		buf_addf(who, "uid %ld", (long)geteuid());
}

/* --accept-edit: e is the entry named; only a modified migration (applied, file edited since) qualifies. */
static int accept_edit(struct session *ss, const struct plan_entry *e, struct pgs_error *err)
{
	struct buf who = BUF_INIT, found = BUF_INIT, what = BUF_INIT;
	enum edit_kind k;
	int rc;

	if (e->state != ST_MODIFIED) {
		err_set(err, EXIT_HISTORY, "%s is %s, not modified: only an applied migration whose file changed has "
			"an edit to accept", e->name, mstate_name(e->state));
		err_hint(err, "\"pgshift status\" shows every state");
		return -1;
	}
	k = edit_classify(e->mig, e->row->checksum, &found);
	local_user(&who);
	rc = history_accept_edit(ss->conn, &ss->ht, e->name, e->row->checksum, e->mig->checksum, who.data, err);
	if (rc == 0) {
		edit_describe(k, found.data, &what);
		out_printf("%s: edit accepted, recorded checksum %s; the edit: %s\n", e->name, e->mig->checksum, what.data);
		if (k != EDIT_LAYOUT)
			out_hint("the edited SQL is not run: the database keeps what the applied text did; put a change "
				 "that must run in a new migration");
	}
	buf_release(&who);
	buf_release(&found);
	buf_release(&what);
	return rc;
}

/*
 * --rolled-back: when statements of e are applied and deploy would resume
 * after them, refuses (without rerun) naming those statements, or says that
 * the next deploy runs them again.
 */
static int check_rerun(struct session *ss, const struct plan_entry *e, bool rerun, struct pgs_error *err)
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
		out_warning("the next deploy runs %s from statement 1, again running the %zu applied before the "
			    "failure:%s", e->name, step, list.data);
	}
	buf_release(&list);
	script_free(&s);
	return step && !rerun ? -1 : 0;
}

int cmd_resolve(int argc, char **argv)
{
	struct common_opts c = { 0 };
	const char *applied = NULL, *rolled = NULL, *accept = NULL;
	bool rerun = false;
	long lock_wait_ms = 60000;
	struct opt opts[] = {
		OPT_STRING(0, "applied", &applied, "NAME", "record the failed migration NAME as applied (finished by hand)"),
		OPT_STRING(0, "rolled-back", &rolled, "NAME", "record the failed migration NAME as rolled back (deploy runs it again)"),
		OPT_BOOL(0, "rerun-applied-steps", &rerun,
			 "with --rolled-back: go on when statements of NAME are applied (deploy runs them again)"),
		OPT_STRING(0, "accept-edit", &accept, "NAME", "after review, record the edited file of the applied migration NAME as what was applied"),
		COMMON_DIR_OPTS(&c),
		OPT_DURATION(0, "lock-wait", &lock_wait_ms, "DURATION", "wait this long for a concurrent deploy (default 60s)"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	const struct plan_entry *e = NULL;
	const char *name;
	int rc = EXIT_OK, changed;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if ((!!applied + !!rolled + !!accept) != 1) {
		err_set(&err, EXIT_USAGE, "give exactly one of --applied NAME, --rolled-back NAME or --accept-edit NAME");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	name = applied ? applied : rolled ? rolled : accept;
	if (session_open(&ss, &c, false, lock_wait_ms, &err) < 0)
		return common_fail(&err);
	for (size_t i = 0; i < ss.plan.n; i++)
		if (!strcmp(ss.plan.entries[i].name, name))
			e = &ss.plan.entries[i];
	if (!e) {
		err_set(&err, EXIT_USAGE, "no migration named \"%s\"", name);
		err_hint(&err, "\"pgshift status\" lists the migrations and their states");
		goto fail;
	}
	if (accept) {
		if (accept_edit(&ss, e, &err) < 0)
			goto fail;
		goto out;
	}
	if (e->state != ST_FAILED) {
		err_set(&err, EXIT_HISTORY, "%s is %s, not failed: only a failed migration can be resolved", name,
			mstate_name(e->state));
		err_hint(&err, "\"pgshift status\" shows every state; use \"pgshift rollback\" to revert an applied "
			       "migration");
		goto fail;
	}
	if (applied && !e->mig) {
		err_set(&err, EXIT_HISTORY, "%s has no migration.sql on disk, so it cannot be recorded as applied", name);
		err_hint(&err, "restore its directory (git checkout), or resolve it with --rolled-back");
		goto fail;
	}
	if (rolled && check_rerun(&ss, e, rerun, &err) < 0)
		goto fail;
	changed = history_resolve(ss.conn, &ss.ht, name, applied != NULL, e->mig ? e->mig->checksum : "", &err);
	if (changed < 0)
		goto fail;
	out_printf("%s resolved as %s\n", name, applied ? "applied" : "rolled back");
	if (rolled)
		out_hint("the next \"pgshift deploy\" runs it again");
	goto out;
fail:
	rc = common_fail(&err);
out:
	session_close(&ss);
	return rc;
}
