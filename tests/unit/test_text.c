/*
 * Unit tests of core/text and core/checksum: UTF-8, line arithmetic, SHA-256, UUIDs.
 */
#include <ctype.h>
#include <stdbool.h>
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

/* Every class of ill-formed sequence of the Unicode standard (Table 3-7), as PostgreSQL rejects them. */
static void test_utf8_strict(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} cases[] = {
		/* the edges of each length */
		{ "\x7f", 1, true }, { "\xc2\x80", 2, true }, { "\xdf\xbf", 2, true },
		{ "\xe0\xa0\x80", 3, true }, { "\xed\x9f\xbf", 3, true }, { "\xee\x80\x80", 3, true },
		{ "\xef\xbf\xbf", 3, true }, { "\xf0\x90\x80\x80", 4, true }, { "\xf4\x8f\xbf\xbf", 4, true },
		/* overlongs */
		{ "\xc0\x80", 2, false }, { "\xc1\xbf", 2, false }, { "\xe0\x80\x80", 3, false },
		{ "\xe0\x9f\xbf", 3, false }, { "\xf0\x80\x80\x80", 4, false }, { "\xf0\x8f\xbf\xbf", 4, false },
		/* surrogates U+D800..U+DFFF */
		{ "\xed\xa0\x80", 3, false }, { "\xed\xbf\xbf", 3, false },
		/* above U+10FFFF */
		{ "\xf4\x90\x80\x80", 4, false }, { "\xf5\x80\x80\x80", 4, false }, { "\xf7\xbf\xbf\xbf", 4, false },
		/* the old 5- and 6-byte forms, and bytes that never occur */
		{ "\xf8\x88\x80\x80\x80", 5, false }, { "\xfc\x84\x80\x80\x80\x80", 6, false },
		{ "\xfe", 1, false }, { "\xff", 1, false },
		/* a lone or missing continuation byte */
		{ "\x80", 1, false }, { "\xbf", 1, false }, { "\xc2", 1, false }, { "\xe2\x82", 2, false },
		{ "\xf0\x9f\x98", 3, false }, { "\xc2\x41", 2, false }, { "\xe2\x28\xa1", 3, false },
	};
	size_t bad;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[16];

		/* after a prefix, so that the offset is checked too */
		memcpy(text, "ab", 2);
		memcpy(text + 2, cases[i].s, cases[i].len);
		bad = 99;
		if (text_valid_utf8(text, cases[i].len + 2, &bad) != cases[i].ok)
			fail_msg("case %zu: expected %s", i, cases[i].ok ? "valid" : "invalid");
		if (!cases[i].ok)
			assert_int_equal(bad, 2);
	}
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

static void test_strip_bom(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_adds(&b, "\xEF\xBB\xBFSELECT 1;");
	assert_true(text_strip_bom(&b));
	assert_string_equal(b.data, "SELECT 1;");
	assert_int_equal(b.len, 9);
	assert_false(text_strip_bom(&b));	/* only one, and only at the start */
	assert_string_equal(b.data, "SELECT 1;");
	buf_reset(&b);
	buf_adds(&b, "\xEF\xBB");
	assert_false(text_strip_bom(&b));
	assert_int_equal(b.len, 2);
	buf_release(&b);
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
		cmocka_unit_test(test_utf8_strict),
		cmocka_unit_test(test_lines_and_columns),
		cmocka_unit_test(test_strip_bom),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
