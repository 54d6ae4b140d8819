/*
 * hook: the redeploy hook (the brief's Vercel deploy hook), called after a
 * deploy that applied something and by `pgshift hook`: the POST through
 * util/http with its retry policy, and the delivery recorded in the
 * deployment's row (pgshift_deployments), so that a hook that failed is
 * sent again by the next deploy.
 *
 * A hook URL carries a secret (Vercel's is the path): only its scheme and
 * host are ever in a notice or an error, and the rest is registered as a
 * secret (util/secret.h) so that nothing printed can carry it.
 */
#ifndef PGSHIFT_RUN_HOOK_H
#define PGSHIFT_RUN_HOOK_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/history.h"
#include "run/event.h"
#include "run/session.h"
#include "util/err.h"
#include "util/http.h"

/* The hook URL: opt, else PGSHIFT_DEPLOY_HOOK_URL, else VERCEL_DEPLOY_HOOK_URL; NULL when none. */
const char *hook_url(const char *opt);
/* Registers the secret parts of url (util/secret.h). */
void hook_register_secret(const char *url);
/*
 * POSTs to url (10 s timeout, 3 tries; PGSHIFT_HOOK_TIMEOUT_MS and
 * PGSHIFT_HOOK_RETRY_DELAY_MS change them); a RUN_INFO notice on sink says
 * it was called.  -1 with err on failure; *res: status, attempts.
 */
int hook_send(const char *url, struct http_result *res, const struct run_sink *sink, struct pgs_error *err);
/*
 * hook_send, then records the outcome in the row of deployment id
 * (pgshift_deployments): delivered, or failed with the error.  Failing to
 * record is a RUN_WARNING; the result is the send's.
 */
int hook_deliver(PGconn *conn, const struct history_table *ht, const char *id, const char *url,
		 const struct run_sink *sink, struct pgs_error *err);
/*
 * `pgshift hook` with a database configured (c's options, the environment):
 * records a delivery (error: the send's message, or NULL) on the latest
 * deployment's row.  No database configured: nothing; failing to connect or
 * record is a RUN_WARNING.
 */
void hook_record_on_last_deployment(const struct common_opts *c, bool delivered, const struct http_result *res,
				    const char *error, const struct run_sink *sink);

#endif
