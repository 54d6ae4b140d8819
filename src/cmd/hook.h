/*
 * hook: the redeploy hook called after a deploy that applied something
 * (the brief's Vercel deploy hook), shared by deploy and `pgshift hook`.
 */
#ifndef PGSHIFT_CMD_HOOK_H
#define PGSHIFT_CMD_HOOK_H

#include <stdbool.h>

#include "util/err.h"

/* The hook URL: opt, else PGSHIFT_DEPLOY_HOOK_URL, else VERCEL_DEPLOY_HOOK_URL; NULL when none. */
const char *hook_url(const char *opt);
/* Registers the secret parts of url with the output layer. */
void hook_register_secret(const char *url);
/* POSTs to url (10 s timeout, 3 tries); prints the outcome; -1 with err on failure. */
int hook_send(const char *url, struct pgs_error *err);

#endif
