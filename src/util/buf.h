/*
 * buf: the one growable string of pgshift.
 *
 * A buf always holds a NUL-terminated string (data is never NULL after
 * buf_init), so it can be handed to libc and libpq as it is.  The code that
 * initialises a buf owns it and releases it with buf_release, or takes its
 * memory with buf_detach.  Allocation failure aborts: pgshift cannot do
 * anything useful without memory and every caller would do the same.
 */
#ifndef PGSHIFT_BUF_H
#define PGSHIFT_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* What an empty buf points at, so that data is a valid string from the start. */
extern char buf_slopbuf[];
#define BUF_INIT { buf_slopbuf, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Returns the string (caller frees) and leaves b empty and re-usable. */
char *buf_detach(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Replaces every occurrence of needle (non-empty) by repl. */
void buf_replace_all(struct buf *b, const char *needle, const char *repl);
/*
 * Appends s[0..n) with its control characters made visible: \n and \r as
 * those two characters, other C0 bytes, DEL and the C1 range (U+0080..U+009F)
 * as \xNN or \uNNNN; tab stays.  Text from files, servers and the history
 * table then cannot start a line of output (a CI log runs a line that begins
 * "::error" as a workflow command) nor move a terminal's cursor.
 * keep_newlines keeps \n, for a block whose every line the caller prefixes.
 */
void buf_add_visible(struct buf *b, const char *s, size_t n, bool keep_newlines);

/* Allocation helpers that abort on failure. */
/*
 * What cannot go on and cannot be reported as an error (out of memory, no
 * SHA-256): "pgshift: fatal: WHAT" on stderr, then abort().  The one
 * printing below cmd/, for any layer.
 */
void xfatal(const char *what) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
