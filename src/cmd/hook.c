/*
 * hook: call the redeploy hook alone (`pgshift hook`), as deploy does after
 * applying; the engine (the POST, its retries, the delivery recorded on the
 * latest deployment's row when a database is configured): run/hook.h.
 * This file holds the options and the output.
 */
#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "run/hook.h"
#include "util/exitcodes.h"

static const char usage[] = "pgshift hook [--deploy-hook URL] [--url URL]";

int cmd_hook(int argc, char **argv)
{
	const char *opt = NULL;
	struct common_opts c = { 0 };
	struct opt opts[] = {
		OPT_STRING(0, "deploy-hook", &opt, "URL", "hook URL (default: PGSHIFT_DEPLOY_HOOK_URL, VERCEL_DEPLOY_HOOK_URL)"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct http_result res = { 0 };
	const char *url;
	int rc;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	url = hook_url(opt);
	if (!url) {
		err_set(&err, EXIT_USAGE, "no deploy hook configured");
		err_hint(&err, "pass --deploy-hook URL or set PGSHIFT_DEPLOY_HOOK_URL or VERCEL_DEPLOY_HOOK_URL");
		return common_fail(&err);
	}
	rc = hook_send(url, &res, cmd_text_sink(), &err);
	/* when a database is configured, the latest deployment's row says the hook went out (or not) */
	hook_record_on_last_deployment(&c, rc == 0, &res, rc < 0 ? err.message : NULL, cmd_text_sink());
	if (rc < 0)
		return common_fail(&err);
	return EXIT_OK;
}
