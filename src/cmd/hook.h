/*
 * hook: the redeploy hook called after a deploy that applied something
 * (the brief's Vercel deploy hook), shared by deploy and `pgshift hook`.
 */
#ifndef PGSHIFT_CMD_HOOK_H
#define PGSHIFT_CMD_HOOK_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/history.h"
#include "util/err.h"
#include "util/http.h"

/* The hook URL: opt, else PGSHIFT_DEPLOY_HOOK_URL, else VERCEL_DEPLOY_HOOK_URL; NULL when none. */
const char *hook_url(const char *opt);
/* Registers the secret parts of url with the output layer. */
void hook_register_secret(const char *url);
/* POSTs to url (10 s timeout, 3 tries); prints the outcome; -1 with err on failure; *res: status, attempts. */
int hook_send(const char *url, struct http_result *res, struct pgs_error *err);
/*
 * hook_send, then records the outcome in the row of deployment id
 * (pgshift_deployments): delivered, or failed with the error.  Failing to
 * record is a warning; the result is the send's.
 */
int hook_deliver(PGconn *conn, const struct history_table *ht, const char *id, const char *url,
		 struct pgs_error *err);

#endif
