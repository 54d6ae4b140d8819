/*
 * Unit tests of util/buf and the redaction of util/output.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/buf.h"
#include "util/output.h"

static void test_init_and_growth(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	assert_string_equal(b.data, "");
	for (int i = 0; i < 10000; i++)
		buf_addf(&b, "%05d,", i);
	assert_int_equal(b.len, 60000);
	assert_memory_equal(b.data + 59994, "09999,", 6);
	s = buf_detach(&b);
	assert_int_equal(strlen(s), 60000);
	assert_string_equal(b.data, "");
	buf_adds(&b, "again");
	assert_string_equal(b.data, "again");
	free(s);
	buf_release(&b);
	s = buf_detach(&b);	/* an empty buf detaches to a fresh empty string */
	assert_string_equal(s, "");
	free(s);
}

static void test_replace_all(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_adds(&b, "a-pw-b-pw-pw");
	buf_replace_all(&b, "pw", "********");
	assert_string_equal(b.data, "a-********-b-********-********");
	buf_replace_all(&b, "a much longer needle than the text", "x");
	assert_string_equal(b.data, "a-********-b-********-********");
	buf_release(&b);
}

static void test_redaction(void **state)
{
	char *r;

	(void)state;
	secret_register("s3cret-long");
	secret_register("");
	secret_register(NULL);
	r = out_redact("url postgresql://u:s3cret-long@h/db and s3cret-long again");
	assert_string_equal(r, "url postgresql://u:********@h/db and ******** again");
	free(r);
	secret_forget_all();
	r = out_redact("s3cret-long");
	assert_string_equal(r, "s3cret-long");
	free(r);
}

static void check_visible(const char *in, size_t n, bool keep_newlines, const char *want)
{
	struct buf b = BUF_INIT;

	buf_add_visible(&b, in, n, keep_newlines);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

static void test_add_visible(void **state)
{
	(void)state;
	check_visible("a\n::error file=x::owned", 23, false, "a\\n::error file=x::owned");
	check_visible("a\r::error::x", 12, false, "a\\r::error::x");
	check_visible("a\nb\rc", 5, true, "a\nb\\rc");
	check_visible("\x1b[2J\x07\x7f\x01\x1f", 8, false, "\\x1B[2J\\x07\\x7F\\x01\\x1F");
	check_visible("tab\tstays", 9, false, "tab\tstays");
	/* C1 controls (NEL, CSI) are escaped; other UTF-8 is kept */
	check_visible("\xc2\x85x\xc2\x9b\xc2\xa0\xc3\xa9\xe2\x82\xac", 12, false,
		      "\\u0085x\\u009B\xc2\xa0\xc3\xa9\xe2\x82\xac");
	check_visible("\xc2", 1, false, "\xc2");	/* a cut sequence is not read past its end */
	check_visible("a\0b", 3, false, "a\\x00b");
	check_visible("", 0, false, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_growth),
		cmocka_unit_test(test_replace_all),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_add_visible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
