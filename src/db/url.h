/*
 * url: which database a command talks to, and how it is shown.
 *
 * Precedence: --url, DATABASE_URL_UNPOOLED, DIRECT_URL, DATABASE_URL,
 * libpq's PG* variables, then the dev cluster when it is up.  Whether the
 * target is local is decided on what libpq will really use: the URL
 * completed, as libpq completes it when it connects, from the service file
 * (service= or PGSERVICE) and then the PG* variables, every host and every
 * hostaddr of it; what cannot be resolved is not local.  A target that is
 * not local, without an sslmode, gets sslmode=require unless --insecure.
 * Secrets are never kept in anything printable: `display` is the URL with
 * every secret option masked, and the secrets themselves (decoded and as
 * written) are handed to the caller to register with the output layer.
 */
#ifndef PGSHIFT_URL_H
#define PGSHIFT_URL_H

#include <stdbool.h>

#include "util/err.h"

typedef const char *(*getenv_fn)(const char *name);
/* Returns the dev cluster's URL when it is up (new string), else NULL. */
typedef char *(*dev_url_fn)(void *ctx);

struct url_request {
	const char *url;		/* --url, or NULL */
	bool insecure;			/* --insecure: do not add sslmode=require */
	long connect_timeout_ms;	/* 0: default (10 s unless the URL sets one) */
	getenv_fn env;			/* getenv, or a stub in tests */
	dev_url_fn dev_url;
	void *dev_ctx;
};

struct target {
	char *conninfo;		/* URL or key=value string; "" means libpq's PG* variables */
	const char *source;	/* "--url", "DATABASE_URL", ..., "PG* variables", "dev cluster" */
	char *display;		/* printable, secret options masked; NULL when the URL does not parse */
	char *host;		/* the effective host list, "" for the default unix socket */
	char *hostaddr;		/* the effective hostaddr list, or NULL */
	char *dbname;
	char *user;
	char **secrets;		/* NULL-terminated (or NULL): passwords, decoded and as written */
	bool local;		/* every host and hostaddr: unix socket, localhost, 127.0.0.0/8 or ::1 */
	const char *sslmode;	/* value to add ("require"), or NULL */
	char *connect_timeout;	/* seconds to add, or NULL when the URL sets one */
};

/*
 * Fills out (free it with target_free, also after a failure: its secrets
 * are set even when the URL does not parse, for the caller to register).
 */
int url_resolve(const struct url_request *req, struct target *out, struct pgs_error *err);
void target_free(struct target *t);
/*
 * The URL a child program gets as DATABASE_URL: the connection string with
 * the sslmode pgshift chose added (new string); NULL for the PG* variables.
 */
char *target_child_url(const struct target *t);
/* True when host (one name or address, or a socket path) is on this machine. */
bool url_host_is_local(const char *host);
/*
 * The pure decision: every entry of the comma-separated host list (NULL or
 * "": the default unix socket) and every non-empty entry of hostaddrs is
 * local.
 */
bool url_hosts_local(const char *hosts, const char *hostaddrs);

#endif
