/*
 * err: filling and clearing struct pgs_error.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/buf.h"

/*
 * Messages quote file names, SQL and server text: their control characters
 * are made visible, so no quoted text can start a line of output.  A detail
 * keeps its newlines (each line is printed as its own "detail:" line).
 */
static char *vformat(const char *fmt, va_list ap, bool keep_newlines)
{
	struct buf b = BUF_INIT, out = BUF_INIT;

	buf_vaddf(&b, fmt, ap);
	buf_add_visible(&out, b.data, b.len, keep_newlines);
	buf_release(&b);
	return buf_detach(&out);
}

int err_set(struct pgs_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	err_clear(e);
	e->code = code;
	va_start(ap, fmt);
	e->message = vformat(fmt, ap, false);
	va_end(ap);
	return -1;
}

void err_detail(struct pgs_error *e, const char *fmt, ...)
{
	va_list ap;

	free(e->detail);
	va_start(ap, fmt);
	e->detail = vformat(fmt, ap, true);
	va_end(ap);
}

void err_hint(struct pgs_error *e, const char *fmt, ...)
{
	va_list ap;

	free(e->hint);
	va_start(ap, fmt);
	e->hint = vformat(fmt, ap, false);
	va_end(ap);
}

void err_prefix(struct pgs_error *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char *prefix;
	va_list ap;

	va_start(ap, fmt);
	prefix = vformat(fmt, ap, false);
	va_end(ap);
	buf_addf(&b, "%s: %s", prefix, e->message ? e->message : "unknown error");
	free(prefix);
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
