/*
 * buf: growable NUL-terminated strings, and the x* allocation helpers.
 */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_slopbuf[1];

void xfatal(const char *what)
{
	fprintf(stderr, "pgshift: fatal: %s\n", what);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		xfatal("out of memory");
	}
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		xfatal("out of memory");
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		xfatal("out of memory");
	}
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

void buf_init(struct buf *b)
{
	b->data = buf_slopbuf;
	b->len = 0;
	b->cap = 0;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

char *buf_detach(struct buf *b)
{
	char *s;

	if (!b->cap)
		s = xstrdup("");
	else
		s = b->data;
	buf_init(b);
	return s;
}

void buf_reset(struct buf *b)
{
	if (b->cap) {
		b->len = 0;
		b->data[0] = '\0';
	} else {
		buf_init(b);
	}
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (!b->data)
		buf_init(b);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (!b->cap) {
		char *p = xmalloc(cap);
		memcpy(p, b->data, b->len + 1);
		b->data = p;
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_replace_all(struct buf *b, const char *needle, const char *repl)
{
	size_t nlen = strlen(needle);
	struct buf out = BUF_INIT;
	const char *p, *hit;

	if (!nlen || !b->len || !strstr(b->data, needle))
		return;
	p = b->data;
	while ((hit = strstr(p, needle))) {
		buf_add(&out, p, (size_t)(hit - p));
		buf_adds(&out, repl);
		p = hit + nlen;
	}
	buf_adds(&out, p);
	buf_release(b);
	*b = out;
}

void buf_add_visible(struct buf *b, const char *s, size_t n, bool keep_newlines)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' && !keep_newlines)
			buf_adds(b, "\\n");
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			buf_addf(b, "\\x%02X", c);
		else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)
			buf_addf(b, "\\u%04X", (unsigned char)s[++i]);	/* a C1 control, U+0080..U+009F */
		else
			buf_addc(b, (char)c);
	}
}
