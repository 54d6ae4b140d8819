/*
 * Unit tests of db/url: which database, how it is shown, the TLS and timeout policy.
 */
#include <stdlib.h>
#include <string.h>

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
	assert_string_equal(t.password, "pw-from-env");
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
	assert_string_equal(t.password, "s3cr@t");
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
	struct url_request r = req("postgresql://u:hunter2@h/db?bogus=1");
	struct target t;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(url_resolve(&r, &t, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_null(strstr(err.message, "hunter2"));
	assert_null(strstr(err.detail, "hunter2"));
	assert_non_null(strstr(err.detail, "u:********@h"));
	assert_string_equal(t.password, "hunter2");
	err_clear(&err);
	target_free(&t);
}

static void test_mask_unparsed(void **state)
{
	char *pw, *m;

	(void)state;
	m = url_mask_unparsed("postgres://a:b@c/d", &pw);
	assert_string_equal(m, "postgres://a:********@c/d");
	assert_string_equal(pw, "b");
	free(m);
	free(pw);
	m = url_mask_unparsed("host=h password=xyz dbname=d", &pw);
	assert_string_equal(m, "host=h password=******** dbname=d");
	assert_string_equal(pw, "xyz");
	free(m);
	free(pw);
	m = url_mask_unparsed("host=h password='a b' dbname=d", &pw);
	assert_null(strstr(m, "a b"));
	assert_string_equal(pw, "a b");
	free(m);
	free(pw);
	m = url_mask_unparsed("postgres://a@c/d", &pw);
	assert_null(pw);
	assert_string_equal(m, "postgres://a@c/d");
	free(m);
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
		cmocka_unit_test_setup(test_mask_unparsed, reset_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
