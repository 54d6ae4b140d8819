/*
 * Unit tests of util/proc: what a child process inherits.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/proc.h"

static void collect_stdout(void *ctx, int stream, const char *data, size_t n)
{
	if (stream == 1)
		buf_add(ctx, data, n);
}

/* true when some line of env's output starts with prefix */
static bool has_line(const char *text, const char *prefix)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			return true;
	return false;
}

static void test_children_get_no_git_or_ld_variables(void **state)
{
	char *argv[] = { "env", NULL };
	struct buf out = BUF_INIT;

	(void)state;
	setenv("GIT_CONFIG_COUNT", "1", 1);
	setenv("GIT_DIR", "/nonexistent", 1);
	setenv("LD_PRELOAD", "", 1);
	setenv("LD_LIBRARY_PATH", "/nonexistent", 1);
	setenv("PGSHIFT_T_KEEP", "kept", 1);
	assert_int_equal(proc_run(argv, "PGSHIFT_T_GIVEN", "given", collect_stdout, &out), 0);
	assert_true(has_line(out.data, "PGSHIFT_T_KEEP=kept\n"));
	assert_true(has_line(out.data, "PGSHIFT_T_GIVEN=given\n"));
	assert_true(has_line(out.data, "PATH="));
	assert_false(has_line(out.data, "GIT_"));
	assert_false(has_line(out.data, "LD_"));
	/* the parent keeps its own environment */
	assert_string_equal(getenv("GIT_DIR"), "/nonexistent");
	assert_string_equal(getenv("LD_LIBRARY_PATH"), "/nonexistent");
	unsetenv("GIT_CONFIG_COUNT");
	unsetenv("GIT_DIR");
	unsetenv("LD_PRELOAD");
	unsetenv("LD_LIBRARY_PATH");
	unsetenv("PGSHIFT_T_KEEP");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_children_get_no_git_or_ld_variables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
