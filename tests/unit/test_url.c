/*
 * Unit tests of db/url: which database, how it is shown, the TLS and timeout policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "db/url.h"
#include "util/exitcodes.h"

static const char *fake_env[16][2];

static const char *env_get(const char *name)
{
	for (int i = 0; i < 16 && fake_env[i][0]; i++)
		if (!strcmp(fake_env[i][0], name))
			return fake_env[i][1];
	return NULL;
}

static void env_set(const char *name, const char *value)
{
	int i = 0;

	while (fake_env[i][0])
		i++;
	fake_env[i][0] = name;
	fake_env[i][1] = value;
}

static int reset_env(void **state)
{
	(void)state;
	memset(fake_env, 0, sizeof(fake_env));
	return 0;
}

static char *dev_up(void *ctx)
{
	(void)ctx;
	return strdup("postgresql:///postgres?host=/p/.pgshift/dev&port=5999&user=postgres");
}

static char *dev_down(void *ctx)
{
	(void)ctx;
	return NULL;
}

static bool has_secret(const struct target *t, const char *s)
{
	for (size_t k = 0; t->secrets && t->secrets[k]; k++)
		if (!strcmp(t->secrets[k], s))
			return true;
	return false;
}

static struct url_request req(const char *url)
{
	struct url_request r = { url, false, 0, env_get, dev_down, NULL };
	return r;
}

static void test_precedence(void **state)
{
	struct url_request r = req(NULL);
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	env_set("DATABASE_URL", "postgresql://u@localhost/d_url");
	env_set("DIRECT_URL", "postgresql://u@localhost/direct");
	env_set("DATABASE_URL_UNPOOLED", "postgresql://u@localhost/unpooled");
	env_set("PGHOST", "localhost");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.source, "DATABASE_URL_UNPOOLED");
	assert_string_equal(t.dbname, "unpooled");
	target_free(&t);

	r.url = "postgresql://u@localhost/flag";
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.source, "--url");
	target_free(&t);

	fake_env[2][1] = "";	/* DATABASE_URL_UNPOOLED empty: skipped */
	r.url = NULL;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.source, "DIRECT_URL");
	target_free(&t);
}

static void test_pg_vars_then_dev_then_error(void **state)
{
	struct url_request r = req(NULL);
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	env_set("PGDATABASE", "app");
	env_set("PGPASSWORD", "pw-from-env");
	r.dev_url = dev_up;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.source, "PG* variables");
	assert_string_equal(t.conninfo, "");
	assert_true(has_secret(&t, "pw-from-env"));
	assert_null(strstr(t.display, "pw-from-env"));
	target_free(&t);

	memset(fake_env, 0, sizeof(fake_env));
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.source, "dev cluster");
	assert_true(t.local);
	target_free(&t);

	r.dev_url = dev_down;
	assert_int_equal(url_resolve(&r, &t, &err), -1);
	assert_string_equal(err.message, "no database to connect to");
	assert_non_null(strstr(err.hint, "pgshift dev up"));
	err_clear(&err);
	target_free(&t);
}

static void test_display_masks_password(void **state)
{
	struct url_request r = req("postgresql://admin:s3cr%40t@db.example.com:6543/prod?sslmode=verify-full");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_true(has_secret(&t, "s3cr@t"));		/* decoded, as libpq sends it */
	assert_true(has_secret(&t, "s3cr%40t"));	/* as written, as a child may echo it */
	assert_null(strstr(t.display, "s3cr"));
	assert_string_equal(t.display, "postgresql://admin:********@db.example.com:6543/prod?sslmode=verify-full");
	assert_false(t.local);
	assert_null(t.sslmode);	/* the URL chose one */
	target_free(&t);
}

static void test_local_hosts(void **state)
{
	(void)state;
	assert_true(url_host_is_local(""));
	assert_true(url_host_is_local("/var/run/postgresql"));
	assert_true(url_host_is_local("localhost"));
	assert_true(url_host_is_local("127.0.0.1"));
	assert_true(url_host_is_local("127.1.2.3"));
	assert_true(url_host_is_local("::1"));
	assert_false(url_host_is_local("example.com"));
	assert_false(url_host_is_local("10.0.0.1"));
	assert_false(url_host_is_local("128.0.0.1"));
	assert_false(url_host_is_local("127.0.0.1.evil.com"));
	assert_false(url_host_is_local("localhost.evil.com"));
	/* only plain dotted quads: other spellings go to getaddrinfo, and maybe to DNS */
	assert_false(url_host_is_local("127.0.0.01"));
	assert_false(url_host_is_local("127.0.0.-0"));
	assert_false(url_host_is_local("127.0.0.256"));
	assert_false(url_host_is_local("127.0.0"));
	assert_false(url_host_is_local("127.0.0.1 "));
}

static void test_sslmode_and_timeout_policy(void **state)
{
	struct url_request r = req("postgresql://u@db.example.com/d");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.sslmode, "require");
	assert_string_equal(t.connect_timeout, "10");
	target_free(&t);

	r.insecure = true;
	r.connect_timeout_ms = 2500;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_null(t.sslmode);
	assert_string_equal(t.connect_timeout, "3");
	target_free(&t);

	r = req("postgresql://u@localhost/d?connect_timeout=4");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_null(t.sslmode);
	assert_null(t.connect_timeout);
	target_free(&t);

	r = req("postgresql://u@db.example.com/d");
	env_set("PGSSLMODE", "verify-ca");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_null(t.sslmode);
	target_free(&t);

	/* a non-local name reaching a local address is still not local */
	r = req("postgresql://u@db.example.test/d?hostaddr=127.0.0.1");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_false(t.local);
	target_free(&t);
}

static void test_invalid_url_keeps_password_out(void **state)
{
	/* the four shapes the audit saw printed: none of the URL is shown, every possible password is kept */
	static const struct {
		const char *url, *secret, *shown;
	} cases[] = {
		{ "postgresql://u:hunter2@h/db?bogus=1", "hunter2", "\"bogus\"" },
		{ "user=u password=Xsecret bogus=1", "Xsecret", "\"bogus\"" },
		{ "user=u password\t=Tabbed1 bogus=1", "Tabbed1", "\"bogus\"" },
		{ "host=h password='a\\'Secret' bogus=1", "Secret", "\"bogus\"" },
		{ "postgresql://u:Hunter2/Secret@h/db?bogus=1", "Hunter2/Secret", NULL },
		{ "user=u password=two words here", "words", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct url_request r = req(cases[i].url);
		struct target t;
		struct pgs_error err = PGS_ERROR_INIT;
		bool kept = false;

		assert_int_equal(url_resolve(&r, &t, &err), -1);
		assert_int_equal(err.code, EXIT_USAGE);
		assert_null(strstr(err.message, cases[i].secret));
		assert_null(strstr(err.detail, cases[i].secret));
		assert_null(strstr(err.hint, cases[i].secret));
		assert_null(strstr(err.detail, "u:"));	/* no URL at all */
		if (cases[i].shown)
			assert_non_null(strstr(err.message, cases[i].shown));	/* libpq's reason is kept */
		for (size_t k = 0; t.secrets && t.secrets[k]; k++)
			kept |= strstr(t.secrets[k], cases[i].secret) != NULL;
		assert_true(kept);
		err_clear(&err);
		target_free(&t);
	}
}

static void test_secret_options_masked(void **state)
{
	struct url_request r = req("postgresql://u@db.example.com/d?sslpassword=KeyPass1&sslmode=require");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_null(strstr(t.display, "KeyPass1"));
	assert_non_null(strstr(t.display, "sslpassword=********"));
	assert_true(has_secret(&t, "KeyPass1"));
	target_free(&t);

	r = req("host=localhost password=e dbname=d");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.display, "postgresql://localhost/d");
	assert_true(has_secret(&t, "e"));
	target_free(&t);
}

static void test_effective_host_from_pg_vars(void **state)
{
	struct url_request r = req("postgresql://postgres@:5432/app");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	/* the URL names no host: libpq takes PGHOST and PGHOSTADDR */
	env_set("PGHOST", "prod-db.example.com");
	env_set("PGHOSTADDR", "127.0.0.1");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.host, "prod-db.example.com");
	assert_string_equal(t.hostaddr, "127.0.0.1");
	assert_false(t.local);
	assert_string_equal(t.sslmode, "require");
	target_free(&t);

	/* a local name with a hostaddr that is not */
	memset(fake_env, 0, sizeof(fake_env));
	r = req("postgresql://u@localhost/d?hostaddr=10.1.2.3");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_false(t.local);
	assert_string_equal(t.sslmode, "require");
	target_free(&t);

	/* the URL's own host wins over PGHOST */
	env_set("PGHOST", "prod-db.example.com");
	r = req("postgresql://u@127.0.0.1/d");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_true(t.local);
	assert_null(t.hostaddr);
	target_free(&t);

	/* a key=value string without host takes PGHOST too */
	r = req("dbname=d user=u");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_false(t.local);
	target_free(&t);
}

static char *write_service_file(const char *text)
{
	char *path = strdup("/tmp/pgshift-unit-service-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

static void test_service_file(void **state)
{
	char *path = write_service_file("# services\n[dev]\nhost=localhost\n\n[prod]\n  host=prod-db.example.com\n"
					"hostaddr=127.0.0.1\nport=5432\n[broken]\nhost localhost\n[viadir]\nldap://x/y\n");
	struct url_request r = req("postgresql://postgres@/app?service=prod");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	env_set("PGSERVICEFILE", path);
	env_set("PGSYSCONFDIR", "/nonexistent");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.host, "prod-db.example.com");
	assert_false(t.local);
	assert_string_equal(t.sslmode, "require");
	target_free(&t);

	/* PGSERVICE, with the URL silent on host; the service comes before PGHOST, as in libpq */
	env_set("PGSERVICE", "dev");
	env_set("PGHOST", "prod-db.example.com");
	r = req("postgresql://postgres@/app");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.host, "localhost");
	assert_true(t.local);
	target_free(&t);

	/* PG* variables alone: PGSERVICE is enough to pick them */
	memset(fake_env, 0, sizeof(fake_env));
	env_set("PGSERVICEFILE", path);
	env_set("PGSYSCONFDIR", "/nonexistent");
	env_set("PGSERVICE", "prod");
	r = req(NULL);
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_string_equal(t.source, "PG* variables");
	assert_false(t.local);
	assert_non_null(strstr(t.display, "prod-db.example.com"));
	target_free(&t);

	/* what cannot be resolved is not local: a missing service, a malformed or LDAP section */
	static const char *unresolved[] = { "nosuch", "broken", "viadir" };
	for (size_t i = 0; i < 3; i++) {
		char url[128];
		snprintf(url, sizeof(url), "postgresql://u@localhost/d?service=%s", unresolved[i]);
		r = req(url);
		assert_int_equal(url_resolve(&r, &t, &err), 0);
		assert_false(t.local);
		target_free(&t);
	}
	unlink(path);
	free(path);
}

static void test_hosts_local_decision(void **state)
{
	(void)state;
	assert_true(url_hosts_local(NULL, NULL));
	assert_true(url_hosts_local("", NULL));
	assert_true(url_hosts_local("localhost", "127.0.0.1"));
	assert_true(url_hosts_local("localhost,/tmp,", "127.0.0.1,,::1"));
	assert_false(url_hosts_local("localhost", "10.0.0.5"));
	assert_false(url_hosts_local("localhost", "192.168.1.10"));
	assert_false(url_hosts_local(NULL, "203.0.113.7"));
	assert_false(url_hosts_local("/var/run/postgresql", "172.16.0.1"));
	assert_false(url_hosts_local("localhost", "127.0.0.1,10.1.1.1"));
	assert_false(url_hosts_local("localhost", "::ffff:10.0.0.1"));
	assert_false(url_hosts_local("localhost", "2001:db8::1"));
	assert_false(url_hosts_local("localhost,db.example.com", NULL));
	assert_false(url_hosts_local("prod-db.example.com", "127.0.0.1"));
}

static void test_child_url_carries_sslmode(void **state)
{
	struct url_request r = req("postgresql://u:pw@db.example.com/d");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;
	char *u;

	(void)state;
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	u = target_child_url(&t);
	assert_string_equal(u, "postgresql://u:pw@db.example.com/d?sslmode=require");
	free(u);
	target_free(&t);

	r = req("postgresql://u@db.example.com/d?connect_timeout=3");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	u = target_child_url(&t);
	assert_string_equal(u, "postgresql://u@db.example.com/d?connect_timeout=3&sslmode=require");
	free(u);
	target_free(&t);

	r = req("host=db.example.com dbname=d");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	u = target_child_url(&t);
	assert_string_equal(u, "host=db.example.com dbname=d sslmode=require");
	free(u);
	target_free(&t);

	r = req("postgresql://u@localhost/d");
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	u = target_child_url(&t);
	assert_string_equal(u, "postgresql://u@localhost/d");
	free(u);
	target_free(&t);

	env_set("PGHOST", "localhost");
	r = req(NULL);
	assert_int_equal(url_resolve(&r, &t, &err), 0);
	assert_null(target_child_url(&t));
	target_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_precedence, reset_env),
		cmocka_unit_test_setup(test_pg_vars_then_dev_then_error, reset_env),
		cmocka_unit_test_setup(test_display_masks_password, reset_env),
		cmocka_unit_test_setup(test_local_hosts, reset_env),
		cmocka_unit_test_setup(test_sslmode_and_timeout_policy, reset_env),
		cmocka_unit_test_setup(test_invalid_url_keeps_password_out, reset_env),
		cmocka_unit_test_setup(test_secret_options_masked, reset_env),
		cmocka_unit_test_setup(test_effective_host_from_pg_vars, reset_env),
		cmocka_unit_test_setup(test_service_file, reset_env),
		cmocka_unit_test_setup(test_hosts_local_decision, reset_env),
		cmocka_unit_test_setup(test_child_url_carries_sslmode, reset_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
