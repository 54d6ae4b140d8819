/*
 * text: UTF-8 validation and line arithmetic over migration files.
 */
#include "core/text.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/*
 * One converter per thread, closed when the thread ends: opening one costs
 * more than checking a small file, and the scan runs on several threads.
 */
static pthread_key_t cd_key;
static pthread_once_t cd_once = PTHREAD_ONCE_INIT;

static void close_cd(void *p)
{
	iconv_close((iconv_t)p);
}

static void make_key(void)
{
	pthread_key_create(&cd_key, close_cd);
}

static iconv_t thread_converter(void)
{
	iconv_t cd;

	pthread_once(&cd_once, make_key);
	cd = (iconv_t)pthread_getspecific(cd_key);
	if (!cd) {
		cd = iconv_open("UTF-8", "UTF-8");
		if (cd == (iconv_t)-1)
			return cd;
		pthread_setspecific(cd_key, cd);
	} else {
		iconv(cd, NULL, NULL, NULL, NULL);	/* back to the initial state */
	}
	return cd;
}

bool text_valid_utf8(const char *data, size_t len, size_t *bad_off)
{
	const char *nul = memchr(data, '\0', len);
	size_t limit = nul ? (size_t)(nul - data) : len;
	iconv_t cd = thread_converter();
	char out[4096];
	char *in = (char *)data;
	size_t inleft = limit;
	bool ok = true;

	if (cd == (iconv_t)-1) {
		/* Without a converter we cannot tell; PostgreSQL will still reject bad bytes. */
		if (nul) {
			*bad_off = limit;
			return false;
		}
		return true;
	}
	while (inleft > 0) {
		char *o = out;
		size_t oleft = sizeof(out);

		if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 && errno != E2BIG) {
			ok = false;
			*bad_off = (size_t)(in - data);
			break;
		}
	}
	if (ok && nul) {
		*bad_off = limit;
		ok = false;
	}
	return ok;
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

bool text_is_blank(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)data[i]))
			return false;
	return true;
}
