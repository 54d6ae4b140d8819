/*
 * url: resolving and describing the connection target.
 */
#include "db/url.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"

bool url_host_is_local(const char *host)
{
	if (!host || !*host || host[0] == '/' || host[0] == '@')
		return true;
	if (!strcmp(host, "localhost") || !strcmp(host, "::1") || !strcmp(host, "[::1]"))
		return true;
	if (!strncmp(host, "127.", 4)) {
		int a, b, c;
		char tail;
		return sscanf(host + 4, "%d.%d.%d%c", &a, &b, &c, &tail) == 3 && a >= 0 && a < 256 &&
		       b >= 0 && b < 256 && c >= 0 && c < 256;
	}
	return false;
}

/* True when every host of a comma-separated list is local. */
static bool hosts_local(const char *hosts)
{
	char *copy, *save = NULL, *h;
	bool local = true;

	if (!hosts || !*hosts)
		return true;
	copy = xstrdup(hosts);
	for (h = strtok_r(copy, ",", &save); h; h = strtok_r(NULL, ",", &save))
		if (!url_host_is_local(h))
			local = false;
	free(copy);
	return local;
}

char *url_mask_unparsed(const char *s, char **password_out)
{
	const char *scheme = strstr(s, "://");
	struct buf b = BUF_INIT;

	*password_out = NULL;
	if (scheme) {
		const char *auth = scheme + 3;
		const char *end = auth + strcspn(auth, "/?#");
		const char *at = NULL;

		for (const char *p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				*password_out = xstrndup(colon + 1, (size_t)(at - colon - 1));
				buf_add(&b, s, (size_t)(colon + 1 - s));
				buf_adds(&b, "********");
				buf_adds(&b, at);
				return buf_detach(&b);
			}
		}
		return xstrdup(s);
	}
	{
		const char *pw = strstr(s, "password");
		if (pw) {
			const char *v = pw + 8;
			while (*v == ' ')
				v++;
			if (*v == '=') {
				v++;
				while (*v == ' ')
					v++;
				size_t n = *v == '\'' ? strcspn(v + 1, "'") + 2 : strcspn(v, " ");
				*password_out = xstrndup(*v == '\'' ? v + 1 : v, *v == '\'' ? n - 2 : n);
				buf_add(&b, s, (size_t)(v - s));
				buf_adds(&b, "********");
				buf_adds(&b, v + n > s + strlen(s) ? "" : v + n);
				return buf_detach(&b);
			}
		}
	}
	return xstrdup(s);
}

static const char *opt_val(PQconninfoOption *opts, const char *kw)
{
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, kw))
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

/* Builds postgresql://user:********@host:port/db?params from parsed options. */
static char *display_from(PQconninfoOption *opts)
{
	struct buf b = BUF_INIT;
	const char *host = opt_val(opts, "host"), *port = opt_val(opts, "port");
	const char *user = opt_val(opts, "user"), *db = opt_val(opts, "dbname");
	bool first = true;

	buf_adds(&b, "postgresql://");
	if (user) {
		buf_adds(&b, user);
		if (opt_val(opts, "password"))
			buf_adds(&b, ":********");
		buf_addc(&b, '@');
	}
	if (host && host[0] != '/')
		buf_adds(&b, host);
	if (port && !(host && host[0] == '/'))
		buf_addf(&b, ":%s", port);
	buf_addc(&b, '/');
	if (db)
		buf_adds(&b, db);
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		const char *k = o->keyword;
		if (!o->val || !*o->val || !strcmp(k, "user") || !strcmp(k, "password") ||
		    !strcmp(k, "dbname") || (!strcmp(k, "port") && !(host && host[0] == '/')) ||
		    (!strcmp(k, "host") && !(host && host[0] == '/')))
			continue;
		buf_addf(&b, "%c%s=%s", first ? '?' : '&', k, o->val);
		first = false;
	}
	return buf_detach(&b);
}

static const char *pick_source(const struct url_request *req, const char **value)
{
	static const char *vars[] = { "DATABASE_URL_UNPOOLED", "DIRECT_URL", "DATABASE_URL" };

	if (req->url && *req->url) {
		*value = req->url;
		return "--url";
	}
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = req->env(vars[i]);
		if (v && *v) {
			*value = v;
			return vars[i];
		}
	}
	*value = NULL;
	return NULL;
}

static bool pg_env_set(getenv_fn env)
{
	static const char *vars[] = { "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = env(vars[i]);
		if (v && *v)
			return true;
	}
	return false;
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

int url_resolve(const struct url_request *req, struct target *out, struct pgs_error *err)
{
	const char *value = NULL;
	char *dev = NULL;
	PQconninfoOption *opts = NULL;
	char *perr = NULL;
	const char *sslmode, *host;

	memset(out, 0, sizeof(*out));
	out->source = pick_source(req, &value);
	if (!out->source && pg_env_set(req->env)) {
		out->source = "PG* variables";
		value = "";
	}
	if (!out->source && req->dev_url && (dev = req->dev_url(req->dev_ctx))) {
		out->source = "dev cluster";
		value = dev;
	}
	if (!out->source) {
		err_set(err, EXIT_FAILURE_, "no database to connect to");
		err_detail(err, "none of --url, DATABASE_URL_UNPOOLED, DIRECT_URL, DATABASE_URL or PGHOST/PGDATABASE "
				"is set, and the dev cluster is not running");
		err_hint(err, "start the local cluster with \"pgshift dev up\", or pass --url "
			      "postgresql://USER@HOST:5432/DB (or set DATABASE_URL in the environment or .env)");
		return -1;
	}
	out->conninfo = xstrdup(value);
	free(dev);

	opts = PQconninfoParse(out->conninfo, &perr);
	if (!opts) {
		char *pw = NULL;
		char *masked = url_mask_unparsed(out->conninfo, &pw);

		/* The caller registers the password; keep it so nothing can print it. */
		out->password = pw;
		err_set(err, EXIT_USAGE, "invalid connection URL in %s: %s", out->source,
			perr ? strtok(perr, "\n") : "cannot parse");
		err_detail(err, "URL: %s", masked);
		err_hint(err, "use the form postgresql://USER:PASSWORD@HOST:PORT/DBNAME?sslmode=require");
		free(masked);
		PQfreemem(perr);
		return -1;
	}
	host = opt_val(opts, "host");
	if (!host && !*out->conninfo)
		host = req->env("PGHOST");
	if (!host)
		host = opt_val(opts, "hostaddr");
	if (!host && !*out->conninfo)
		host = req->env("PGHOSTADDR");
	out->host = dup_or_empty(host);
	out->local = hosts_local(out->host);
	out->dbname = dup_or_empty(opt_val(opts, "dbname") ? opt_val(opts, "dbname") : req->env("PGDATABASE"));
	out->user = dup_or_empty(opt_val(opts, "user") ? opt_val(opts, "user") : req->env("PGUSER"));
	if (opt_val(opts, "password"))
		out->password = xstrdup(opt_val(opts, "password"));
	else if (req->env("PGPASSWORD") && *req->env("PGPASSWORD"))
		out->password = xstrdup(req->env("PGPASSWORD"));

	sslmode = opt_val(opts, "sslmode");
	if (!sslmode)
		sslmode = req->env("PGSSLMODE");
	if (!sslmode && !out->local && !req->insecure)
		out->sslmode = "require";

	if (req->connect_timeout_ms > 0)
		out->connect_timeout = xasprintf("%ld", (req->connect_timeout_ms + 999) / 1000);
	else if (!opt_val(opts, "connect_timeout") && !req->env("PGCONNECT_TIMEOUT"))
		out->connect_timeout = xstrdup("10");

	if (*out->conninfo) {
		out->display = display_from(opts);
	} else {
		out->display = xasprintf("postgresql://%s%s@%s/%s (from PG* variables)", out->user,
					 out->password ? ":********" : "", out->host, out->dbname);
	}
	PQconninfoFree(opts);
	return 0;
}

void target_free(struct target *t)
{
	free(t->conninfo);
	free(t->display);
	free(t->host);
	free(t->dbname);
	free(t->user);
	free(t->password);
	free(t->connect_timeout);
	memset(t, 0, sizeof(*t));
}
