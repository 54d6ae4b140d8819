/*
 * err: the place of an error (file, line, column) is kept in fields and
 * printed in front of the message, behind what callers prefix on the way up.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/buf.h"
#include "util/err.h"

static char *text_of(const struct pgs_error *e)
{
	struct buf b = BUF_INIT;

	err_add_text(&b, e);
	return buf_detach(&b);
}

static void test_place_is_printed_before_the_message(void **state)
{
	struct pgs_error err = PGS_ERROR_INIT;
	char *t;

	(void)state;
	err_set_at(&err, 1, "m.sql", 3, 13, "syntax error at or near \"%s\"", "+");
	assert_string_equal(err.message, "syntax error at or near \"+\"");
	t = text_of(&err);
	assert_string_equal(t, "m.sql:3:13: syntax error at or near \"+\"");
	free(t);
	/* a prefix added on the way up stays in front of the place */
	err_prefix(&err, "cannot deploy %s", "x");
	err_prefix(&err, "outer");
	t = text_of(&err);
	assert_string_equal(t, "outer: cannot deploy x: m.sql:3:13: syntax error at or near \"+\"");
	free(t);
	assert_string_equal(err.message, "syntax error at or near \"+\"");
	err_clear(&err);
	assert_null(err.file);
	assert_null(err.context);
	assert_int_equal(err.line, 0);
}

static void test_place_added_later_without_column(void **state)
{
	struct pgs_error err = PGS_ERROR_INIT;
	char *t;

	(void)state;
	err_set(&err, 1, "unknown backfill setting \"%s\"", "x");
	err_prefix(&err, "a");
	err_place(&err, "dir/m\n.sql", 7, 0);
	t = text_of(&err);
	/* a place set after a prefix: the prefix is part of the message; the file name is made visible */
	assert_string_equal(t, "dir/m\\n.sql:7: a: unknown backfill setting \"x\"");
	free(t);
	err_clear(&err);
	err_set(&err, 1, "plain");
	t = text_of(&err);
	assert_string_equal(t, "plain");
	free(t);
	err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_is_printed_before_the_message),
		cmocka_unit_test(test_place_added_later_without_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
