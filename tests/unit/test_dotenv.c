/*
 * Unit tests of core/dotenv: parsing .env files as the brief's tools do.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/dotenv.h"
#include "util/fsutil.h"

static const char *get(const struct dotenv *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].key, key))
			return d->items[i].value;
	return NULL;
}

static void test_forms(void **state)
{
	struct dotenv d;
	struct pgs_error err = PGS_ERROR_INIT;
	const char *text =
		"# a comment\n"
		"\n"
		"PLAIN=value\n"
		"export EXPORTED=yes\n"
		"  SPACED = trimmed value   \n"
		"SINGLE='no $escapes \\n here'\n"
		"DOUBLE=\"line1\\nline2 # kept\"\n"
		"URL=postgresql://u:p@h/db?sslmode=require&a=b\n"
		"CUT=before # after\n"
		"HASH=a#b\n"
		"CRLF=x\r\n"
		"EMPTY=\n";

	(void)state;
	assert_int_equal(dotenv_parse(".env", text, &d, &err), 0);
	assert_string_equal(get(&d, "PLAIN"), "value");
	assert_string_equal(get(&d, "EXPORTED"), "yes");
	assert_string_equal(get(&d, "SPACED"), "trimmed value");
	assert_string_equal(get(&d, "SINGLE"), "no $escapes \\n here");
	assert_string_equal(get(&d, "DOUBLE"), "line1\nline2 # kept");
	assert_string_equal(get(&d, "URL"), "postgresql://u:p@h/db?sslmode=require&a=b");
	assert_string_equal(get(&d, "CUT"), "before");
	assert_string_equal(get(&d, "HASH"), "a#b");
	assert_string_equal(get(&d, "CRLF"), "x");
	assert_string_equal(get(&d, "EMPTY"), "");
	assert_int_equal(d.n, 10);
	dotenv_free(&d);
}

static void test_errors_name_the_line(void **state)
{
	struct dotenv d;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(dotenv_parse("app.env", "A=1\nnot a pair\n", &d, &err), -1);
	/* the place is in fields, not in the message */
	assert_string_equal(err.message, "expected KEY=VALUE");
	assert_string_equal(err.file, "app.env");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 0);
	err_clear(&err);
	assert_int_equal(dotenv_parse("app.env", "A=1\n\nB=\"open\n", &d, &err), -1);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "unterminated"));
	err_clear(&err);
	assert_int_equal(dotenv_parse("app.env", "1A=x\n", &d, &err), -1);
	err_clear(&err);
}

static void test_load_keeps_values_private(void **state)
{
	char *dir = unit_tmpdir();
	char *path = fs_join(dir, ".env");
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	{
		const char *t = "PGSHIFT_T_SET=from-file\nPGSHIFT_T_NEW=new\nPGSHIFT_T_NEW=second\n"
				"DATABASE_URL=postgresql://f@h/db\nGIT_CONFIG_COUNT=1\nPGSSLMODE=disable\nOTHER=x\n";
		unit_write(dir, ".env", t, strlen(t));
	}
	setenv("PGSHIFT_T_SET", "from-env", 1);
	unsetenv("PGSHIFT_T_NEW");
	unsetenv("DATABASE_URL");
	unsetenv("GIT_CONFIG_COUNT");
	unsetenv("PGSSLMODE");
	unsetenv("OTHER");
	assert_int_equal(dotenv_load_file(path, &err), 0);
	/* the environment wins; an allowed key comes from the file, the first assignment counting */
	assert_string_equal(config_getenv("PGSHIFT_T_SET"), "from-env");
	assert_string_equal(config_getenv("PGSHIFT_T_NEW"), "new");
	assert_string_equal(config_getenv("DATABASE_URL"), "postgresql://f@h/db");
	/* other keys are never used, and nothing is exported to the environment children inherit */
	assert_null(config_getenv("GIT_CONFIG_COUNT"));
	assert_null(config_getenv("PGSSLMODE"));
	assert_null(config_getenv("OTHER"));
	assert_null(getenv("PGSHIFT_T_NEW"));
	assert_null(getenv("DATABASE_URL"));
	assert_null(getenv("GIT_CONFIG_COUNT"));
	assert_null(getenv("PGSSLMODE"));
	/* a real PG* variable is still seen */
	setenv("PGSSLMODE", "require", 1);
	assert_string_equal(config_getenv("PGSSLMODE"), "require");
	unsetenv("PGSSLMODE");
	unsetenv("PGSHIFT_T_SET");
	/* an absent file loads nothing; unloading forgets the values */
	assert_int_equal(dotenv_load_file("/nonexistent/.env", &err), 0);
	assert_string_equal(config_getenv("PGSHIFT_T_NEW"), "new");
	dotenv_unload();
	assert_null(config_getenv("PGSHIFT_T_NEW"));
	assert_null(config_getenv("DATABASE_URL"));
	fs_remove_tree(dir, &err);
	free(path);
	free(dir);
}

static void test_allowed_keys(void **state)
{
	(void)state;
	assert_true(dotenv_key_allowed("DATABASE_URL_UNPOOLED"));
	assert_true(dotenv_key_allowed("DIRECT_URL"));
	assert_true(dotenv_key_allowed("DATABASE_URL"));
	assert_true(dotenv_key_allowed("VERCEL_DEPLOY_HOOK_URL"));
	assert_true(dotenv_key_allowed("PGSHIFT_DEPLOY_HOOK_URL"));
	assert_true(dotenv_key_allowed("PGSHIFT_ADMIN_PASSWORD"));
	assert_true(dotenv_key_allowed("PGSHIFT_DIR"));
	assert_false(dotenv_key_allowed("PGSHIFT_"));
	assert_false(dotenv_key_allowed("PGSHIFT"));
	assert_false(dotenv_key_allowed("DATABASE_URL_X"));
	assert_false(dotenv_key_allowed("database_url"));
	assert_false(dotenv_key_allowed("PGSSLMODE"));
	assert_false(dotenv_key_allowed("PGPASSWORD"));
	assert_false(dotenv_key_allowed("PGHOST"));
	assert_false(dotenv_key_allowed("GIT_CONFIG_COUNT"));
	assert_false(dotenv_key_allowed("LD_PRELOAD"));
	assert_false(dotenv_key_allowed("GITHUB_OUTPUT"));
	assert_false(dotenv_key_allowed("PATH"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_load_keeps_values_private),
		cmocka_unit_test(test_allowed_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
