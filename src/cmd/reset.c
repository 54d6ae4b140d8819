/*
 * reset: drop everything in the managed schemas, apply every migration
 * again, then seed.  For local development only: it refuses a target that is
 * not local unless --force (judged on the host libpq will really use, and
 * again after connecting on the address the server was reached on), always
 * refuses when PGSHIFT_ENV=production, and asks on a terminal unless --yes
 * (off a terminal, where no one can be asked, it refuses without --yes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/backfill.h"
#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "cmd/seed.h"
#include "core/dotenv.h"
#include "db/reset.h"
#include "run/deploy.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift reset [--schema NAME ...] [--yes] [--force] [options]";

/* Refuses a target that reset must not touch; asks on a terminal, refuses elsewhere unless --yes. */
static int guard(const struct target *t, const struct strlist *schemas, bool force, bool yes, struct pgs_error *err)
{
	const char *env = config_getenv("PGSHIFT_ENV");
	bool local = t->local || !strcmp(t->source, "dev cluster");

	if (env && !strcmp(env, "production")) {
		err_set(err, EXIT_BLOCKED, "refusing to reset: PGSHIFT_ENV is production");
		err_hint(err, "reset drops every object in the managed schemas; it is never run against production");
		return -1;
	}
	if (!local && !force) {
		err_set(err, EXIT_BLOCKED, "refusing to reset %s: the host is not local", t->display);
		err_detail(err, "libpq would connect to host \"%s\"%s%s%s (the URL completed from the service file and "
				"the PG* variables; a service that cannot be resolved counts as not local)",
			   *t->host ? t->host : "(the default unix socket)", t->hostaddr ? ", hostaddr \"" : "",
			   t->hostaddr ? t->hostaddr : "", t->hostaddr ? "\"" : "");
		err_hint(err, "reset is for local databases (unix socket, localhost, 127.0.0.0/8, ::1, the dev cluster); "
			      "pass --force if this one really is disposable");
		return -1;
	}
	if (!yes && !(isatty(0) && isatty(1))) {
		/* No one to ask: a script, a CI step, a pipe.  Going on would drop everything unasked. */
		err_set(err, EXIT_USAGE, "refusing to reset %s without confirmation: not run on a terminal", t->display);
		err_hint(err, "reset drops every object in the managed schemas; pass --yes to run it from a script");
		return -1;
	}
	if (!yes) {
		char line[64];
		struct buf names = BUF_INIT;

		for (int i = 0; i < schemas->n; i++)
			buf_addf(&names, "%s%s", i ? ", " : "", schemas->items[i]);
		out_printf("This drops every object in schema %s of %s and applies every migration again.\n"
			   "Type \"yes\" to go on: ", names.data, t->display);
		buf_release(&names);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n")) {
			err_set(err, EXIT_BLOCKED, "reset cancelled: nothing changed");
			return -1;
		}
	}
	return 0;
}

/* After connecting, before anything is touched: the server must have been reached on a loopback address or a socket. */
static int check_reached_locally(PGconn *conn, void *ctx, struct pgs_error *err)
{
	const struct target *t = ctx;
	char *addr = NULL;
	int rc = 0;

	if (db_server_addr(conn, &addr, err) < 0)
		return -1;
	if (addr && !url_host_is_local(addr)) {
		err_set(err, EXIT_BLOCKED, "refusing to reset %s: the server was reached on %s, not on a local address",
			t->display, addr);
		err_detail(err, "the host name looked local, but the connection arrived at the server's address %s", addr);
		err_hint(err, "reset is for local databases; pass --force if this one really is disposable");
		rc = -1;
	}
	free(addr);
	return rc;
}

int cmd_reset(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct deploy_opts mo = DEPLOY_OPTS_INIT;
	struct seed_opts so = { 0 };
	struct strlist schemas = { 0 };
	bool yes = false, force = false, no_seed = false;
	long lock_wait_ms = 60000;
	struct opt opts[] = {
		OPT_LIST(0, "schema", &schemas, "NAME", "a schema to empty (repeatable; default public)"),
		OPT_BOOL('y', "yes", &yes, "do not ask for confirmation (required when not on a terminal)"),
		OPT_BOOL(0, "force", &force, "allow a database whose host is not local"),
		OPT_BOOL(0, "no-seed", &no_seed, "do not run the seed afterwards"),
		SEED_OPTS(&so),
		COMMON_DIR_OPTS(&c),
		OPT_DURATION(0, "lock-wait", &lock_wait_ms, "DURATION", "wait this long for a concurrent deploy (default 60s)"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	static const char *default_schema[] = { "public" };
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss = { 0 };
	struct cmd_events ev;
	struct target t = { 0 };
	int rc = EXIT_OK, applied;
	bool no_json = false;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0) {
		strlist_free(&schemas);
		return rc;
	}
	if (!schemas.n) {
		schemas.items = xmalloc(sizeof(*schemas.items));
		schemas.items[0] = default_schema[0];
		schemas.n = 1;
	}
	/* The guard runs before anything connects, let alone changes. */
	if (common_target(&c, &t, &err) < 0 || guard(&t, &schemas, force, yes, &err) < 0)
		goto fail;
	if (session_open_checked(&ss, &c, false, lock_wait_ms, force ? NULL : check_reached_locally, &t, &err) < 0)
		goto fail;
	if (db_reset_schemas(ss.conn, schemas.items, schemas.n, &ss.ht, &err) < 0 || session_reload(&ss, &err) < 0)
		goto fail;
	out_printf("reset %s: schema%s emptied\n", ss.t.display, schemas.n == 1 ? "" : "s");
	cmd_events_init(&ev, false, NULL);
	mo.backfill = backfill_run_for_deploy;
	mo.backfill_ctx = &no_json;
	applied = deploy_pending(&ss, &mo, &ev.sink, &err);
	if (applied < 0)
		goto fail;
	out_printf("%d migration%s applied\n", applied, applied == 1 ? "" : "s");
	if (!no_seed && seed_run(&ss, &so, so.path || so.command, &err) < 0)
		goto fail;
	goto out;
fail:
	rc = common_fail(&err);
out:
	session_close(&ss);
	target_free(&t);
	strlist_free(&schemas);
	return rc;
}
