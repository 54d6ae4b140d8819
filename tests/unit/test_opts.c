/*
 * Unit tests of util/opts: declared options, durations, positional arguments.
 */
#include <string.h>

#include "unit.h"
#include "util/exitcodes.h"
#include "util/opts.h"

static void test_durations(void **state)
{
	long ms;

	(void)state;
	assert_int_equal(opts_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(opts_parse_duration("5s", &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(opts_parse_duration("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(opts_parse_duration("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(opts_parse_duration("3", &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(opts_parse_duration("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(opts_parse_duration("", &ms), -1);
	assert_int_equal(opts_parse_duration("abc", &ms), -1);
	assert_int_equal(opts_parse_duration("-1s", &ms), -1);
	assert_int_equal(opts_parse_duration("5x", &ms), -1);
	/* a bare number is milliseconds here (--target-ms 50), units still work */
	assert_int_equal(opts_parse_millis("50", &ms), 0);
	assert_int_equal(ms, 50);
	assert_int_equal(opts_parse_millis("2s", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(opts_parse_millis("10ms", &ms), 0);
	assert_int_equal(ms, 10);
	assert_int_equal(opts_parse_millis("x", &ms), -1);
}

/* Every duration fits PostgreSQL's timeouts (INT_MAX ms); beyond, or not finite, is refused. */
static void test_duration_range(void **state)
{
	long ms = 7;

	(void)state;
	assert_int_equal(opts_parse_duration("596h", &ms), 0);
	assert_int_equal(ms, 596L * 3600 * 1000);
	assert_int_equal(opts_parse_millis("2147483647", &ms), 0);
	assert_int_equal(ms, OPTS_MAX_MS);
	ms = 7;
	assert_int_equal(opts_parse_duration("597h", &ms), -1);
	assert_int_equal(opts_parse_millis("2147483648", &ms), -1);
	assert_int_equal(opts_parse_duration("2147484s", &ms), -1);
	assert_int_equal(opts_parse_duration("99999999999999999999999", &ms), -1);
	assert_int_equal(opts_parse_duration("1e300", &ms), -1);
	assert_int_equal(opts_parse_duration("1e999", &ms), -1);
	assert_int_equal(ms, 7);	/* untouched on error */
}

static void test_parse_long(void **state)
{
	long v = 7;

	(void)state;
	assert_int_equal(opts_parse_long("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(opts_parse_long("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(opts_parse_long("-3", -5, 5, &v), 0);
	assert_int_equal(v, -3);
	v = 7;
	assert_int_equal(opts_parse_long("11", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long("-1", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long("99999999999999999999999", 0, 2147483647, &v), -1);
	assert_int_equal(opts_parse_long("-99999999999999999999999", -2147483647, 0, &v), -1);
	assert_int_equal(opts_parse_long("", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long(" 5", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long("+5", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long("5 ", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long("5x", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long("0x5", 0, 10, &v), -1);
	assert_int_equal(opts_parse_long(NULL, 0, 10, &v), -1);
	assert_int_equal(v, 7);
}

struct values {
	bool flag;
	const char *str;
	int num;
	long dur;
	struct strlist list;
};

static int parse(struct values *v, int argc, char **argv, struct pgs_error *err)
{
	struct opt opts[] = {
		OPT_BOOL('f', "flag", &v->flag, "a flag"),
		OPT_STRING('s', "str", &v->str, "S", "a string"),
		OPT_INT(0, "num", &v->num, "N", "a number"),
		OPT_INT_RANGE(0, "ranged", &v->num, "N", "a number from 1 to 100", 1, 100),
		OPT_DURATION(0, "dur", &v->dur, "D", "a duration"),
		OPT_LIST(0, "item", &v->list, "X", "repeatable"),
		OPT_END(),
	};
	memset(v, 0, sizeof(*v));
	return opts_parse(argc, argv, opts, "test [options]", err);
}

static void test_parse(void **state)
{
	struct values v;
	struct pgs_error err = PGS_ERROR_INIT;
	char *argv[] = { "pos1", "--flag", "--str", "a", "--num=7", "pos2", "--dur", "250ms", "--item", "x",
			 "--item=y", "--", "--not-an-option" };

	(void)state;
	assert_int_equal(parse(&v, 13, argv, &err), 3);
	assert_true(v.flag);
	assert_string_equal(v.str, "a");
	assert_int_equal(v.num, 7);
	assert_int_equal(v.dur, 250);
	assert_int_equal(v.list.n, 2);
	assert_string_equal(v.list.items[1], "y");
	assert_string_equal(argv[0], "pos1");
	assert_string_equal(argv[1], "pos2");
	assert_string_equal(argv[2], "--not-an-option");
	strlist_free(&v.list);
}

static void expect_usage_error(int argc, char **argv, const char *needle)
{
	struct values v;
	struct pgs_error err = PGS_ERROR_INIT;

	assert_int_equal(parse(&v, argc, argv, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	if (!strstr(err.message, needle))
		fail_msg("\"%s\" lacks \"%s\"", err.message, needle);
	err_clear(&err);
	strlist_free(&v.list);
}

static void test_errors(void **state)
{
	char *a1[] = { "--nope" };
	char *a2[] = { "--str" };
	char *a3[] = { "--flag=yes" };
	char *a4[] = { "--num", "-3" };
	char *a5[] = { "--dur", "soon" };
	char *a6[] = { "-fs" };

	(void)state;
	expect_usage_error(1, a1, "unknown option \"--nope\"");
	expect_usage_error(1, a2, "needs a value");
	expect_usage_error(1, a3, "takes no value");
	expect_usage_error(2, a4, "--num needs a whole number from 0 to 2147483647, not \"-3\"");
	expect_usage_error(2, a5, "duration");
	expect_usage_error(1, a6, "unknown option");
}

static void test_number_ranges(void **state)
{
	char *a1[] = { "--num", "99999999999999999999999" };
	char *a2[] = { "--num", "2147483648" };
	char *a3[] = { "--ranged", "0" };
	char *a4[] = { "--ranged=101" };
	char *a5[] = { "--dur", "597h" };
	char *ok[] = { "--ranged", "100", "--num", "2147483647", "--dur", "596h" };
	struct values v;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	expect_usage_error(2, a1, "--num needs a whole number from 0 to 2147483647");
	expect_usage_error(2, a2, "from 0 to 2147483647");
	expect_usage_error(2, a3, "--ranged needs a whole number from 1 to 100, not \"0\"");
	expect_usage_error(1, a4, "from 1 to 100");
	expect_usage_error(2, a5, "--dur needs a duration such as 500ms, 5s or 2m, from 0 to 2147483647ms (about 24 days)");
	assert_int_equal(parse(&v, 6, ok, &err), 0);
	assert_int_equal(v.num, 2147483647);
	assert_int_equal(v.dur, 596L * 3600 * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_duration_range),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_number_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
