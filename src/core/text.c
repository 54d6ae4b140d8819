/*
 * text: UTF-8 validation and line arithmetic over migration files.
 */
#include "core/text.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/*
 * ICU's U8_NEXT (a macro of the header, nothing to link) decodes by the
 * Unicode standard's table of well-formed sequences (Table 3-7): overlongs,
 * surrogates, code points above U+10FFFF and the old 5- and 6-byte forms are
 * ill-formed, as PostgreSQL finds them.  glibc's iconv and mbrtowc accept
 * F4 90 80 80 and the 5- and 6-byte forms.
 */
#include <unicode/utf8.h>

bool text_valid_utf8(const char *data, size_t len, size_t *bad_off)
{
	const uint8_t *s = (const uint8_t *)data;
	size_t i = 0;

	while (i < len) {
		size_t at = i;
		UChar32 c;

		if (s[i] < 0x80) {	/* the common case, and a NUL stops here too */
			if (!s[i]) {
				*bad_off = i;
				return false;
			}
			i++;
			continue;
		}
		/* U8_NEXT indexes with int32_t: decode from a window so that files above 2 GB still work */
		{
			int32_t k = 0, n = len - at > 4 ? 4 : (int32_t)(len - at);

			U8_NEXT(s + at, k, n, c);
			i = at + (size_t)k;
		}
		if (c < 0) {
			*bad_off = at;
			return false;
		}
	}
	return true;
}

int text_line_of(const char *data, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off && data[i]; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

int text_column_of(const char *data, size_t off)
{
	size_t start = off;
	int col = 1;

	while (start > 0 && data[start - 1] != '\n')
		start--;
	for (size_t i = start; i < off; i++)
		if (((unsigned char)data[i] & 0xC0) != 0x80)
			col++;
	return col;
}

size_t text_char_to_byte(const char *s, size_t len, int char_pos)
{
	int seen = 0;

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			seen++;
			if (seen == char_pos)
				return i;
		}
	}
	return len;
}

bool text_strip_bom(struct buf *b)
{
	if (b->len < 3 || memcmp(b->data, "\xEF\xBB\xBF", 3))
		return false;
	memmove(b->data, b->data + 3, b->len - 3 + 1);	/* with the NUL */
	b->len -= 3;
	return true;
}

bool text_is_blank(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)data[i]))
			return false;
	return true;
}
