/*
 * resolve: the way out of a failed migration, as Prisma's migrate resolve
 * (--applied, --rolled-back), and the acceptance of an edited one
 * (--accept-edit); the engine: run/resolve.h.  This file holds the options,
 * who the local user is, and the output.
 */
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "run/resolve.h"
#include "util/exitcodes.h"

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
	struct resolve_opts ro = { RESOLVE_APPLIED, NULL, false, NULL };
	struct buf who = BUF_INIT;
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if ((!!applied + !!rolled + !!accept) != 1) {
		err_set(&err, EXIT_USAGE, "give exactly one of --applied NAME, --rolled-back NAME or --accept-edit NAME");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	ro.as = applied ? RESOLVE_APPLIED : rolled ? RESOLVE_ROLLED_BACK : RESOLVE_ACCEPT_EDIT;
	ro.name = applied ? applied : rolled ? rolled : accept;
	ro.rerun = rerun;
	if (session_open(&ss, &c, false, lock_wait_ms, &err) < 0)
		return common_fail(&err);
	if (accept) {
		local_user(&who);
		ro.who = who.data;
	}
	if (resolve_run(&ss, &ro, cmd_text_sink(), &err) < 0)
		rc = common_fail(&err);
	buf_release(&who);
	session_close(&ss);
	return rc;
}
