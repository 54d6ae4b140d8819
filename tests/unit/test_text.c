/*
 * Unit tests of core/text and core/checksum: UTF-8, line arithmetic, SHA-256, UUIDs.
 */
#include <ctype.h>
#include <string.h>

#include "unit.h"
#include "core/checksum.h"
#include "core/text.h"

static void test_utf8(void **state)
{
	size_t bad = 99;

	(void)state;
	assert_true(text_valid_utf8("plain ascii", 11, &bad));
	assert_true(text_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, &bad));
	assert_false(text_valid_utf8("ab\ncd\xff", 6, &bad));
	assert_int_equal(bad, 5);
	assert_false(text_valid_utf8("ab\xc3", 3, &bad));	/* truncated at the end */
	assert_int_equal(bad, 2);
	assert_false(text_valid_utf8("\xc0\xaf", 2, &bad));	/* overlong '/' */
	assert_int_equal(bad, 0);
	assert_false(text_valid_utf8("\xed\xa0\x80", 3, &bad));	/* surrogate */
	assert_false(text_valid_utf8("ab\0cd", 5, &bad));
	assert_int_equal(bad, 2);
	/* converter state must not leak from one call to the next */
	assert_true(text_valid_utf8("ok", 2, &bad));
}

static void test_lines_and_columns(void **state)
{
	const char *s = "ab\ncé\nxyz";

	(void)state;
	assert_int_equal(text_line_of(s, 0), 1);
	assert_int_equal(text_line_of(s, 3), 2);
	assert_int_equal(text_line_of(s, strlen(s)), 3);
	assert_int_equal(text_column_of(s, 4), 2);	/* 'é' */
	assert_int_equal(text_column_of(s, 7), 1);	/* 'x' after the 2-byte é */
	assert_int_equal(text_char_to_byte("aéb", 4, 3), 3);
	assert_int_equal(text_char_to_byte("aéb", 4, 9), 4);
	assert_true(text_is_blank(" \t\r\n", 4));
	assert_false(text_is_blank(" x ", 3));
}

static void test_sha256(void **state)
{
	char hex[CHECKSUM_HEX_LEN + 1];

	(void)state;
	checksum_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	checksum_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_uuid(void **state)
{
	char a[37], b[37];

	(void)state;
	uuid_v4(a);
	uuid_v4(b);
	assert_int_equal(strlen(a), 36);
	assert_true(strcmp(a, b) != 0);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_true(isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]));
	}
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_lines_and_columns),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
