/*
 * err: the error value that lower layers fill and only cmd_ code prints.
 *
 * A function that can fail takes a `struct pgs_error *` and returns -1 after
 * err_set().  The message is lower-case, says what failed and on what, and
 * has no final period; detail and hint are optional extra lines, shaped like
 * PostgreSQL's own.  `code` is the exit code the failure maps to.
 *
 * An error found at a place in a file carries the place as fields (file,
 * line, column), not in the message; err_add_text() writes the whole line
 * as users read it, "FILE:LINE:COLUMN: MESSAGE", and a prefix added on the
 * way up stays in front of the place ("cannot deploy X: FILE:LINE: ...").
 */
#ifndef PGSHIFT_ERR_H
#define PGSHIFT_ERR_H

struct pgs_error {
	int code;
	char *message;		/* without the place */
	char *detail;
	char *hint;
	char *file;		/* the file the error is in, or NULL */
	int line, column;	/* from 1 in file; 0 when not known */
	char *context;		/* prefixes added while a place was set ("cannot deploy X"), or NULL */
};

#define PGS_ERROR_INIT { 0, NULL, NULL, NULL, NULL, 0, 0, NULL }

struct buf;

/* Each replaces the previous field; returns -1 so callers can `return err_set(...)`. */
int err_set(struct pgs_error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_detail(struct pgs_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_hint(struct pgs_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_set at line (and column, 0: none) of file. */
int err_set_at(struct pgs_error *e, int code, const char *file, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Sets the place of an error made without one (line, column: 0 when not known). */
void err_place(struct pgs_error *e, const char *file, int line, int column);
/* Appends the message as printed: "CONTEXT: FILE:LINE:COLUMN: MESSAGE", the parts that are set. */
void err_add_text(struct buf *b, const struct pgs_error *e);
/* Prefixes the message with "PREFIX: " (for adding context on the way up). */
void err_prefix(struct pgs_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct pgs_error *e);

#endif
