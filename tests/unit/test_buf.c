/*
 * Unit tests of util/buf and the redaction of util/output.
 */
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
	out_add_secret("s3cret-long");
	out_add_secret("");
	out_add_secret(NULL);
	r = out_redact("url postgresql://u:s3cret-long@h/db and s3cret-long again");
	assert_string_equal(r, "url postgresql://u:********@h/db and ******** again");
	free(r);
	out_free_secrets();
	r = out_redact("s3cret-long");
	assert_string_equal(r, "s3cret-long");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_growth),
		cmocka_unit_test(test_replace_all),
		cmocka_unit_test(test_redaction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
