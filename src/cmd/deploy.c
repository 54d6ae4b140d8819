/*
 * deploy: apply the pending migrations (and, with --seed, the seed).
 *
 * Steps 1-4 (inputs, connection, lock, history) are session_open's; the
 * plan check and the applying are deploy_pending's (run/deploy.c); this file owns the
 * options, the report, and when the deployment's record (pgshift_deployments)
 * is begun (deployment_begin: the git commit deployed) and finished and its
 * hook sent (run/hook.c).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/backfill.h"
#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "cmd/roles.h"
#include "cmd/dump.h"
#include "util/gha.h"
#include "cmd/seed.h"
#include "core/dotenv.h"
#include "run/deploy.h"
#include "run/hook.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift deploy [options]";

int cmd_deploy(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct deploy_opts mo = DEPLOY_OPTS_INIT;
	struct strlist approve = { 0 };
	struct seed_opts so = { 0 };
	const char *app_role = config_getenv("PGSHIFT_APP_ROLE");
	const char *hook_opt = NULL;
	const char *dump_file = config_getenv("PGSHIFT_DUMP_FILE");
	bool seed = false;
	long lock_wait_ms = 60000;
	struct opt opts[] = {
		COMMON_DIR_OPTS(&c),
		OPT_BOOL('n', "dry-run", &mo.dry_run, "print the plan and change nothing"),
		OPT_BOOL(0, "json", &c.json, "print the result as JSON"),
		OPT_BOOL(0, "allow-out-of-order", &mo.allow_out_of_order,
			 "apply pending migrations older than the newest applied one (or PGSHIFT_ALLOW_OUT_OF_ORDER=1)"),
		OPT_DURATION(0, "lock-wait", &lock_wait_ms, "DURATION",
			     "wait this long for a concurrent deploy's lock, saying who holds it (default 60s; 0: do not wait)"),
		DEPLOY_LOCK_OPTS(&mo),
		OPT_GROUP("safety gate"),
		OPT_LIST(0, "approve", &approve, "NAME", "approve the review-level findings of migration NAME (repeatable)"),
		OPT_BOOL(0, "strict", &mo.strict, "warnings block the deploy too"),
		OPT_STRING(0, "app-role", &app_role, "NAME",
			   "after applying, check that role NAME can use every table (default $PGSHIFT_APP_ROLE)"),
		OPT_STRING(0, "deploy-hook", &hook_opt, "URL",
			   "POST here after applying something (default: PGSHIFT_DEPLOY_HOOK_URL, VERCEL_DEPLOY_HOOK_URL)"),
		OPT_STRING(0, "dump", &dump_file, "FILE",
			   "after applying something, write the schema to FILE as pgshift dump does (default $PGSHIFT_DUMP_FILE)"),
		OPT_GROUP("seed"),
		OPT_BOOL(0, "seed", &seed, "run the seed after migrating (seed.sql or seed/ beside the migrations)"),
		OPT_STRING(0, "seed-path", &so.path, "PATH", "with --seed: the seed file or directory"),
		OPT_STRING(0, "seed-command", &so.command, "CMD", "with --seed: run CMD (DATABASE_URL set) instead of seed SQL"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss = { 0 };
	struct cmd_events ev;
	struct deployment prev = { 0 };
	char *dep_id = NULL, *commit = NULL;
	json_t *jlist = json_array();
	int rc = EXIT_OK, applied;
	bool ooo_env = false;
	int n = cmd_options(argc, argv, opts, usage, &rc);

	/* Prisma mode's setting as a repository variable: the same as the flag */
	if (n == 0 && common_env_bool("PGSHIFT_ALLOW_OUT_OF_ORDER", &ooo_env, &err) < 0) {
		rc = common_fail(&err);
		n = -1;
	}
	mo.allow_out_of_order |= ooo_env;
	if (n < 0) {
		json_decref(jlist);
		strlist_free(&approve);
		return rc;
	}
	if (hook_url(hook_opt))
		hook_register_secret(hook_url(hook_opt));
	mo.backfill = backfill_run_for_deploy;
	mo.backfill_ctx = &c.json;
	mo.gate = true;
	mo.approve = &approve;
	/* A dry run reads without locking and writes nothing. */
	if (session_open(&ss, &c, mo.dry_run, lock_wait_ms, &err) < 0)
		goto fail;
	if (!mo.dry_run && deployment_begin(&ss, &prev, &dep_id, &commit, &err) < 0)
		goto fail;
	cmd_events_init(&ev, c.json, jlist);
	ev.strict = mo.strict;
	applied = deploy_pending(&ss, &mo, &ev.sink, &err);
	if (applied < 0)
		goto fail;
	/* the migrations are in: this commit is deployed (also when there was nothing to apply) */
	if (!mo.dry_run &&
	    deployments_finish(ss.conn, &ss.ht, dep_id, applied, applied > 0 && hook_url(hook_opt), &err) < 0) {
		err_prefix(&err, "the migrations are applied, but");
		goto fail;
	}
	if (!c.json && !mo.dry_run) {
		if (!applied)
			out_printf("database is up to date: nothing to apply\n");
		else
			out_printf("%d migration%s applied\n", applied, applied == 1 ? "" : "s");
	}
	if (seed && !mo.dry_run && seed_run(&ss, &so, so.path || so.command, &err) < 0)
		goto fail;
	if (applied > 0 && !mo.dry_run && dump_file && *dump_file) {
		struct schema_filter df = { .history_schema = ss.ht.schema };
		if (dump_write(ss.conn, &df, dump_file, &err) < 0) {
			err_prefix(&err, "the migrations are applied; only writing the schema dump failed");
			err_hint(&err, "run \"pgshift dump -o %s\" to write it again", dump_file);
			goto fail;
		}
	}
	if (gha_active() && !mo.dry_run) {
		char count[16];
		struct buf md = BUF_INIT;
		size_t i;
		json_t *v;

		snprintf(count, sizeof(count), "%d", applied);
		gha_output("applied", count);
		buf_addf(&md, "### pgshift deploy\n\n%d migration%s applied to `%s`\n", applied, applied == 1 ? "" : "s",
			 ss.t.display);
		json_array_foreach(jlist, i, v)
			buf_addf(&md, "- `%s`\n", json_string_value(json_object_get(v, "name")));
		gha_summary(md.data);
		buf_release(&md);
	}
	if (applied > 0 && !mo.dry_run && hook_url(hook_opt) &&
	    hook_deliver(ss.conn, &ss.ht, dep_id, hook_url(hook_opt), &ev.sink, &err) < 0) {
		err_prefix(&err, "the migrations are applied; only the redeploy failed");
		err_hint(&err, "the next deploy sends it again; or run \"pgshift hook\" now");
		goto fail;
	}
	if (!applied && !mo.dry_run && prev.hook_status && strcmp(prev.hook_status, "delivered")) {
		const char *what = prev.git_commit ? prev.git_commit : "commit unknown";

		if (!hook_url(hook_opt)) {
			out_warning("the deploy hook of the deployment at %s (%s) was not delivered, and no hook is "
				    "configured to send it again", prev.finished_at, what);
		} else {
			if (c.json)
				out_eprintf("pgshift: the deploy hook of the deployment at %s (%s) was not delivered; "
					    "sending it again\n", prev.finished_at, what);
			else
				out_printf("the deploy hook of the deployment at %s (%s) was not delivered; sending it "
					   "again\n", prev.finished_at, what);
			if (hook_deliver(ss.conn, &ss.ht, prev.id, hook_url(hook_opt), &ev.sink, &err) < 0) {
				err_prefix(&err, "the database is up to date; the redeploy of an earlier deployment failed again");
				err_hint(&err, "the next deploy sends it again; or run \"pgshift hook\" now");
				goto fail;
			}
		}
	}
	if (app_role && *app_role && !mo.dry_run) {
		struct strlist none = { 0 };
		if (roles_report(ss.conn, app_role, &none, &ss.ht, false, &err) < 0) {
			err_prefix(&err, "migrations applied, but");
			goto fail;
		}
	}
	goto done;
fail:
	rc = common_fail(&err);
done:
	if (c.json) {
		json_t *o = json_pack("{s:b, s:b, s:O}", "ok", rc == EXIT_OK, "dry_run", mo.dry_run,
				      mo.dry_run ? "would_apply" : "applied", jlist);
		common_print_json(o);
	}
	json_decref(jlist);
	deployment_free(&prev);
	free(dep_id);
	free(commit);
	session_close(&ss);
	strlist_free(&approve);
	return rc;
}
