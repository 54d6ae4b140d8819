/*
 * url: resolving and describing the connection target.
 */
#include "db/url.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/secret.h"

/* Where Debian's libpq looks for pg_service.conf when PGSYSCONFDIR is unset (pg_config --sysconfdir). */
#ifndef PGSHIFT_PG_SYSCONFDIR
#define PGSHIFT_PG_SYSCONFDIR "/etc/postgresql-common"
#endif

#define MASK "********"

/* One decimal octet (0-255, no leading zero: "010" may be read as octal, or looked up as a name). */
static bool octet(const char **p)
{
	const char *s = *p;
	int v = 0, n = 0;

	while (isdigit((unsigned char)s[n]) && n < 4)
		v = v * 10 + (s[n++] - '0');
	if (n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0'))
		return false;
	*p = s + n;
	return true;
}

/* 127.x.y.z written plainly: anything else would go to getaddrinfo and maybe to DNS. */
static bool ipv4_loopback(const char *h)
{
	if (strncmp(h, "127.", 4))
		return false;
	h += 4;
	for (int i = 0; i < 3; i++) {
		if (!octet(&h))
			return false;
		if (i < 2 && *h++ != '.')
			return false;
	}
	return *h == '\0';
}

bool url_host_is_local(const char *host)
{
	if (!host || !*host || host[0] == '/' || host[0] == '@')
		return true;
	return !strcmp(host, "localhost") || !strcmp(host, "::1") || !strcmp(host, "[::1]") || ipv4_loopback(host);
}

/* Each entry of a comma-separated list (an empty entry: the default, a unix socket) passes ok. */
static bool every_entry(const char *list, bool skip_empty)
{
	char *copy = xstrdup(list ? list : "");
	char *p = copy;
	bool all = true;

	for (;;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (!(skip_empty && !*p) && !url_host_is_local(p))
			all = false;
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return all;
}

bool url_hosts_local(const char *hosts, const char *hostaddrs)
{
	/* hostaddr is what is connected to, host what TLS and the password file are checked against: both count */
	return every_entry(hosts, false) && every_entry(hostaddrs, true);
}

static PQconninfoOption *find_opt(PQconninfoOption *opts, const char *kw)
{
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, kw))
			return o;
	return NULL;
}

/* The value as libpq keeps it: NULL when unset, "" when set empty. */
static const char *raw_val(PQconninfoOption *opts, const char *kw)
{
	PQconninfoOption *o = find_opt(opts, kw);
	return o ? o->val : NULL;
}

static const char *opt_val(PQconninfoOption *opts, const char *kw)
{
	const char *v = raw_val(opts, kw);
	return v && *v ? v : NULL;
}

static bool secret_opt(const PQconninfoOption *o)
{
	return o->dispchar && o->dispchar[0] == '*';	/* libpq's mark: password, sslpassword */
}

/* Sets an option that nothing has set yet (the array is libpq's; PQconninfoFree frees val with free()). */
static void fill(PQconninfoOption *o, const char *v)
{
	if (o && !o->val && v)
		o->val = xstrdup(v);
}

/*
 * Fills the unset options from the [service] section of one service file,
 * as libpq does: 1 found, 0 not in this file, -1 unreadable, malformed, or
 * a section that libpq would complete from LDAP (which we cannot follow).
 */
static int service_from_file(const char *path, const char *service, PQconninfoOption *opts)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, slen = strlen(service);
	ssize_t n;
	bool found = false;
	int rc = 0;

	if (!f)
		return -1;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *p = line, *eq;
		PQconninfoOption *o;

		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		if (*p == '[') {
			if (found)
				break;	/* the end of the wanted section */
			found = !strncmp(p + 1, service, slen) && p[slen + 1] == ']';
			continue;
		}
		if (!found)
			continue;
		eq = strchr(p, '=');
		if (!strncmp(p, "ldap", 4) || !eq) {
			rc = -1;
			break;
		}
		*eq = '\0';
		o = find_opt(opts, p);
		if (!strcmp(p, "service") || !o) {
			rc = -1;
			break;
		}
		fill(o, eq + 1);
	}
	free(line);
	fclose(f);
	return rc < 0 ? -1 : found;
}

static const char *home_dir(getenv_fn env)
{
	const char *home = env("HOME");
	struct passwd *pw;

	if (home && *home)
		return home;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

/*
 * The service's options, where libpq finds them: PGSERVICEFILE or
 * ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf.  0 when there is
 * no service or it was found; -1 when it cannot be resolved.
 */
static int apply_service(PQconninfoOption *opts, getenv_fn env)
{
	const char *service = raw_val(opts, "service"), *file = env("PGSERVICEFILE"), *dir = env("PGSYSCONFDIR");
	const char *home;
	char *path = NULL;
	struct stat st;
	int rc = 0;

	if (!service)
		service = env("PGSERVICE");
	if (!service)
		return 0;
	if (file)
		path = xstrdup(file);
	else if ((home = home_dir(env)))
		path = xasprintf("%s/.pg_service.conf", home);
	if (path && stat(path, &st) == 0)
		rc = service_from_file(path, service, opts);
	free(path);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	path = xasprintf("%s/pg_service.conf", dir ? dir : PGSHIFT_PG_SYSCONFDIR);
	if (stat(path, &st) == 0)
		rc = service_from_file(path, service, opts);
	free(path);
	return rc > 0 ? 0 : -1;
}

/*
 * Completes the parsed options as libpq does when it connects: the
 * service file first, then each option's PG* variable.  Returns false when
 * the result is not certain (a service that cannot be resolved).
 */
static bool apply_defaults(PQconninfoOption *opts, getenv_fn env)
{
	bool resolved = apply_service(opts, env) == 0;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (!o->val && o->envvar)
			fill(o, env(o->envvar));
	return resolved;
}

/* Builds postgresql://user:********@host:port/db?params from parsed options, secret options masked. */
static char *display_from(PQconninfoOption *opts)
{
	struct buf b = BUF_INIT;
	const char *host = opt_val(opts, "host"), *port = opt_val(opts, "port");
	const char *user = opt_val(opts, "user"), *db = opt_val(opts, "dbname");
	bool first = true, socket = host && host[0] == '/';

	buf_adds(&b, "postgresql://");
	if (user) {
		buf_adds(&b, user);
		if (opt_val(opts, "password"))
			buf_adds(&b, ":" MASK);
		buf_addc(&b, '@');
	}
	if (host && !socket)
		buf_adds(&b, host);
	if (port && !socket)
		buf_addf(&b, ":%s", port);
	buf_addc(&b, '/');
	if (db)
		buf_adds(&b, db);
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		const char *k = o->keyword;
		if (!o->val || !*o->val || !strcmp(k, "user") || !strcmp(k, "password") || !strcmp(k, "dbname") ||
		    (!strcmp(k, "port") && !socket) || (!strcmp(k, "host") && !socket))
			continue;
		buf_addf(&b, "%c%s=%s", first ? '?' : '&', k, secret_opt(o) ? MASK : o->val);
		first = false;
	}
	return buf_detach(&b);
}

static void add_secret(struct target *t, const char *s, size_t n)
{
	size_t k = 0;

	if (!n)
		return;
	while (t->secrets && t->secrets[k])
		k++;
	t->secrets = xrealloc(t->secrets, (k + 2) * sizeof(*t->secrets));
	t->secrets[k] = xstrndup(s, n);
	t->secrets[k + 1] = NULL;
}

/* The secret fields of the connection string as written (percent-encoded, quoted): the forms a child may echo. */
static void add_written_secrets(struct target *t, bool greedy)
{
	size_t pos = 0, start, len;

	while (secret_next(t->conninfo, pos, greedy, &start, &len)) {
		add_secret(t, t->conninfo + start, len);
		pos = start + len;
	}
}

static bool overlaps_secret(const struct target *t, const char *token, size_t n)
{
	char *tok = xstrndup(token, n);
	bool hit = false;

	for (size_t k = 0; t->secrets && t->secrets[k] && !hit; k++)
		hit = strstr(t->secrets[k], tok) || strstr(tok, t->secrets[k]);
	free(tok);
	return hit;
}

/*
 * A connection string libpq cannot parse is not shown at all: where its
 * password ends is not known.  libpq's message quotes pieces of it, so a
 * quoted piece that is part of a possible password is masked.
 */
static int unparsable(struct target *out, const char *perr, struct pgs_error *err)
{
	const char *m = perr && *perr ? perr : "cannot parse";
	size_t mlen = strcspn(m, "\n");
	struct buf msg = BUF_INIT;
	char *masked;

	add_written_secrets(out, true);
	for (size_t i = 0; i < mlen; i++) {
		const char *close = m[i] == '"' ? memchr(m + i + 1, '"', mlen - i - 1) : NULL;

		if (close && close > m + i + 1 && overlaps_secret(out, m + i + 1, (size_t)(close - m - i - 1))) {
			buf_adds(&msg, "\"" MASK "\"");
			i = (size_t)(close - m);
		} else {
			buf_addc(&msg, m[i]);
		}
	}
	masked = secret_mask_fields(msg.data);
	err_set(err, EXIT_USAGE, "invalid connection URL in %s: %s", out->source, masked);
	err_detail(err, "the URL is not shown: it may carry a password, and where that ends is not known");
	err_hint(err, "use the form postgresql://USER@HOST:PORT/DBNAME?sslmode=require, the password written "
		      "USER:PASSWORD@ with its special characters percent-encoded (/ is %%2F, @ is %%40)");
	free(masked);
	buf_release(&msg);
	return -1;
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
	const char *hostaddr;
	bool resolved;
	int rc;

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
		/* The caller registers the secrets; keep them so nothing can print them. */
		rc = unparsable(out, perr, err);
		PQfreemem(perr);
		return rc;
	}
	add_written_secrets(out, false);
	if (*out->conninfo)
		out->display = display_from(opts);	/* what the URL says, before the defaults */

	resolved = apply_defaults(opts, req->env);
	hostaddr = raw_val(opts, "hostaddr");
	out->host = dup_or_empty(raw_val(opts, "host"));
	out->hostaddr = hostaddr && *hostaddr ? xstrdup(hostaddr) : NULL;
	/* what cannot be resolved is not local */
	out->local = resolved && url_hosts_local(out->host, out->hostaddr);
	out->dbname = dup_or_empty(opt_val(opts, "dbname"));
	out->user = dup_or_empty(opt_val(opts, "user"));
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (secret_opt(o) && o->val)
			add_secret(out, o->val, strlen(o->val));

	if (!opt_val(opts, "sslmode") && !out->local && !req->insecure)
		out->sslmode = "require";

	if (req->connect_timeout_ms > 0)
		out->connect_timeout = xasprintf("%ld", (req->connect_timeout_ms + 999) / 1000);
	else if (!opt_val(opts, "connect_timeout"))
		out->connect_timeout = xstrdup("10");

	if (!*out->conninfo) {
		char *shown = display_from(opts);
		out->display = xasprintf("%s (from PG* variables)", shown);
		free(shown);
	}
	PQconninfoFree(opts);
	return 0;
}

char *target_child_url(const struct target *t)
{
	bool uri = !strncmp(t->conninfo, "postgresql://", 13) || !strncmp(t->conninfo, "postgres://", 11);

	if (!*t->conninfo)
		return NULL;
	if (!t->sslmode)
		return xstrdup(t->conninfo);
	if (uri) {
		const char *q = strchr(t->conninfo, '?');
		char last = t->conninfo[strlen(t->conninfo) - 1];
		return xasprintf("%s%ssslmode=%s", t->conninfo, !q ? "?" : last == '?' || last == '&' ? "" : "&",
				 t->sslmode);
	}
	return xasprintf("%s sslmode=%s", t->conninfo, t->sslmode);
}

void target_free(struct target *t)
{
	free(t->conninfo);
	free(t->display);
	free(t->host);
	free(t->hostaddr);
	free(t->dbname);
	free(t->user);
	for (size_t k = 0; t->secrets && t->secrets[k]; k++)
		free(t->secrets[k]);
	free(t->secrets);
	free(t->connect_timeout);
	memset(t, 0, sizeof(*t));
}
