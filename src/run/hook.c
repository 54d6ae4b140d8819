/*
 * hook: the redeploy hook's delivery (see hook.h).
 */
#include "run/hook.h"

#include <stdlib.h>
#include <string.h>

#include "core/dotenv.h"
#include "util/exitcodes.h"
#include "util/opts.h"
#include "util/secret.h"

const char *hook_url(const char *opt)
{
	const char *v;

	if (opt && *opt)
		return opt;
	if ((v = config_getenv("PGSHIFT_DEPLOY_HOOK_URL")) && *v)
		return v;
	if ((v = config_getenv("VERCEL_DEPLOY_HOOK_URL")) && *v)
		return v;
	return NULL;
}

void hook_register_secret(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *rest = scheme ? strchr(scheme + 3, '/') : NULL;

	secret_register(url);
	if (rest && rest[1]) {
		/* the path after its first segment, and the query: where hooks keep their tokens */
		const char *second = strchr(rest + 1, '/');
		const char *query = strchr(rest, '?');
		if (second && second[1])
			secret_register(second + 1);
		if (query && query[1])
			secret_register(query + 1);
	}
}

/* A number of milliseconds from the environment, min to OPTS_MAX_MS; *ms is kept when unset or empty. */
static int env_ms(const char *name, long min, long *ms, struct pgs_error *err)
{
	const char *v = config_getenv(name);

	if (v && *v && opts_parse_long(v, min, OPTS_MAX_MS, ms) < 0)
		return err_set(err, EXIT_USAGE, "%s needs a whole number of milliseconds from %ld to %ld, not \"%s\"",
			       name, min, OPTS_MAX_MS, v);
	return 0;
}

int hook_send(const char *url, struct http_result *res, const struct run_sink *sink, struct pgs_error *err)
{
	char *shown = http_redact_url(url);
	long timeout = 10000, delay = 1000;
	int rc;

	/* for slow networks and for tests; documented in the manual */
	if (env_ms("PGSHIFT_HOOK_TIMEOUT_MS", 1, &timeout, err) < 0 ||
	    env_ms("PGSHIFT_HOOK_RETRY_DELAY_MS", 0, &delay, err) < 0) {
		free(shown);
		return -1;
	}
	hook_register_secret(url);
	rc = http_post_hook(url, shown, 3, delay, timeout, res, err);
	if (rc == 0)
		run_notice(sink, RUN_DONE, "deploy hook %s called (HTTP %ld)", shown, res->status);
	free(shown);
	return rc;
}

/* Records a delivery of the hook of deployment id; a failure to record is a warning. */
static void hook_record(PGconn *conn, const struct history_table *ht, const char *id, bool delivered,
			const struct http_result *res, const char *error, const struct run_sink *sink)
{
	struct pgs_error e = PGS_ERROR_INIT;

	if (deployments_record_hook(conn, ht, id, delivered, res->attempts, res->status, error, &e) < 0) {
		run_notice(sink, RUN_WARNING, "could not record the deploy hook's delivery: %s",
			   e.message ? e.message : "error");
		err_clear(&e);
	}
}

int hook_deliver(PGconn *conn, const struct history_table *ht, const char *id, const char *url,
		 const struct run_sink *sink, struct pgs_error *err)
{
	struct http_result res = { 0 };
	int rc = hook_send(url, &res, sink, err);

	hook_record(conn, ht, id, rc == 0, &res, rc < 0 ? err->message : NULL, sink);
	return rc;
}

void hook_record_on_last_deployment(const struct common_opts *c, bool delivered, const struct http_result *res,
				    const char *error, const struct run_sink *sink)
{
	struct pgs_error e = PGS_ERROR_INIT;
	struct target t = { 0 };
	struct history_table ht;
	struct deployment d = { 0 };
	PGconn *conn = common_connect_if_configured(c, &t, &e);

	/* the layout says where pgshift_deployments is (deployments_schema) */
	common_history_table(c, &ht);
	if (conn && deployments_last_hook(conn, &ht, &d, &e) > 0)
		hook_record(conn, &ht, d.id, delivered, res, error, sink);
	if (e.message) {
		run_notice(sink, RUN_WARNING, "the hook's delivery is not recorded in the database: %s", e.message);
		err_clear(&e);
	}
	deployment_free(&d);
	db_close(conn);
	target_free(&t);
}
