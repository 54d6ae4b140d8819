/*
 * shadow: picking the scratch database a command replays into.
 */
#include "cmd/shadow.h"

#include <stdlib.h>

#include "core/dotenv.h"
#include "devdb/devdb.h"
#include "util/output.h"

/* Resolves url as a target (TLS policy as the target's), registering its secrets. */
static int resolve(const struct common_opts *c, const char *url, const char *source, struct target *t,
		   struct pgs_error *err)
{
	struct url_request req = {
		.url = url,
		.insecure = c->insecure,
		.connect_timeout_ms = c->connect_timeout_ms,
		.env = config_getenv,
	};
	int rc = url_resolve(&req, t, err);

	for (size_t k = 0; t->secrets && t->secrets[k]; k++)
		out_add_secret(t->secrets[k]);
	t->source = source;
	if (rc < 0)
		err_prefix(err, "%s", source);
	return rc;
}

int shadow_open(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
		bool only_ready, struct scratch *s, struct pgs_error *err)
{
	const char *source = shadow_url ? "--shadow-url" : "PGSHIFT_SHADOW_URL";
	struct target shadow = { 0 }, dev = { 0 };
	struct scratch_request r = { conn, t, NULL, NULL, !only_ready };
	char *dev_url = NULL;
	int rc = -1;

	if (!shadow_url)
		shadow_url = config_getenv("PGSHIFT_SHADOW_URL");
	if (shadow_url && *shadow_url) {
		if (resolve(c, shadow_url, source, &shadow, err) < 0)
			goto out;
		r.shadow = &shadow;
	} else if ((dev_url = devdb_url_if_up("."))) {
		if (resolve(c, dev_url, "dev cluster", &dev, err) < 0)
			goto out;
		r.dev = &dev;
	} else if (only_ready) {
		rc = 0;
		goto out;
	}
	rc = scratch_open(&r, s, err) < 0 ? -1 : 1;
out:
	target_free(&shadow);
	target_free(&dev);
	free(dev_url);
	return rc;
}
