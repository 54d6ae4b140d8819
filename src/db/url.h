/*
 * url: which database a command talks to, and how it is shown.
 *
 * Precedence: --url, DATABASE_URL_UNPOOLED, DIRECT_URL, DATABASE_URL,
 * libpq's PG* variables, then the dev cluster when it is up.  A non-local
 * host without an sslmode gets sslmode=require unless --insecure.  The
 * password is never kept in anything printable: `display` is the URL with
 * the password masked, and the password itself is registered with the
 * output layer so that no message can carry it out.
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
	char *display;		/* printable, password masked */
	char *host;		/* first host, "" for the default unix socket */
	char *dbname;
	char *user;
	char *password;		/* NULL when none */
	bool local;		/* unix socket, localhost, 127.0.0.0/8 or ::1 */
	const char *sslmode;	/* value to add ("require"), or NULL */
	char *connect_timeout;	/* seconds to add, or NULL when the URL sets one */
};

int url_resolve(const struct url_request *req, struct target *out, struct pgs_error *err);
void target_free(struct target *t);
/* True when host (one name or address, or a socket path) is on this machine. */
bool url_host_is_local(const char *host);
/*
 * Masks the password of a URL or conninfo string that libpq cannot parse,
 * as a last line of defence for error messages; returns a new string.
 */
char *url_mask_unparsed(const char *s, char **password_out);

#endif
