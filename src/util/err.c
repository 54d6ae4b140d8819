/*
 * err: filling and clearing struct pgs_error.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/buf.h"

static char *vformat(const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	buf_vaddf(&b, fmt, ap);
	return buf_detach(&b);
}

int err_set(struct pgs_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	err_clear(e);
	e->code = code;
	va_start(ap, fmt);
	e->message = vformat(fmt, ap);
	va_end(ap);
	return -1;
}

void err_detail(struct pgs_error *e, const char *fmt, ...)
{
	va_list ap;

	free(e->detail);
	va_start(ap, fmt);
	e->detail = vformat(fmt, ap);
	va_end(ap);
}

void err_hint(struct pgs_error *e, const char *fmt, ...)
{
	va_list ap;

	free(e->hint);
	va_start(ap, fmt);
	e->hint = vformat(fmt, ap);
	va_end(ap);
}

void err_prefix(struct pgs_error *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	buf_addf(&b, ": %s", e->message ? e->message : "unknown error");
	free(e->message);
	e->message = buf_detach(&b);
}

void err_clear(struct pgs_error *e)
{
	free(e->message);
	free(e->detail);
	free(e->hint);
	e->message = e->detail = e->hint = NULL;
	e->code = 0;
}
