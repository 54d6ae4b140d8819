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
	assert_string_equal(err.message, "app.env:2: expected KEY=VALUE");
	err_clear(&err);
	assert_int_equal(dotenv_parse("app.env", "A=1\n\nB=\"open\n", &d, &err), -1);
	assert_non_null(strstr(err.message, "app.env:3: unterminated"));
	err_clear(&err);
	assert_int_equal(dotenv_parse("app.env", "1A=x\n", &d, &err), -1);
	err_clear(&err);
}

static void test_load_does_not_override(void **state)
{
	char *dir = unit_tmpdir();
	char *path = fs_join(dir, ".env");
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	{
		const char *t = "PGSHIFT_T_SET=from-file\nPGSHIFT_T_NEW=new\n";
		unit_write(dir, ".env", t, strlen(t));
	}
	setenv("PGSHIFT_T_SET", "from-env", 1);
	unsetenv("PGSHIFT_T_NEW");
	assert_int_equal(dotenv_load_file(path, &err), 0);
	assert_string_equal(getenv("PGSHIFT_T_SET"), "from-env");
	assert_string_equal(getenv("PGSHIFT_T_NEW"), "new");
	assert_int_equal(dotenv_load_file("/nonexistent/.env", &err), 0);
	fs_remove_tree(dir, &err);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_load_does_not_override),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
