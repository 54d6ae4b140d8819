/*
 * err: filling and clearing struct pgs_error.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

static void vset(struct pgs_error *e, int code, const char *fmt, va_list ap)
{
	err_clear(e);
	e->code = code;
	e->message = vformat(fmt, ap, false);
}

int err_set(struct pgs_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int err_set_at(struct pgs_error *e, int code, const char *file, int line, int column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	err_place(e, file, line, column);
	return -1;
}

void err_place(struct pgs_error *e, const char *file, int line, int column)
{
	struct buf b = BUF_INIT;

	buf_add_visible(&b, file, strlen(file), false);
	free(e->file);
	e->file = buf_detach(&b);
	e->line = line;
	e->column = column;
}

void err_add_text(struct buf *b, const struct pgs_error *e)
{
	if (e->context)
		buf_addf(b, "%s: ", e->context);
	if (e->file) {
		buf_adds(b, e->file);
		if (e->line)
			buf_addf(b, ":%d", e->line);
		if (e->line && e->column)
			buf_addf(b, ":%d", e->column);
		buf_adds(b, ": ");
	}
	buf_adds(b, e->message ? e->message : "unknown error");
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
	/* with a place, the prefix goes before it: the message stays the place's own */
	if (e->file) {
		buf_addf(&b, "%s%s%s", prefix, e->context ? ": " : "", e->context ? e->context : "");
		free(e->context);
		e->context = buf_detach(&b);
		free(prefix);
		return;
	}
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
	free(e->file);
	free(e->context);
	e->message = e->detail = e->hint = e->file = e->context = NULL;
	e->line = e->column = 0;
	e->code = 0;
}
