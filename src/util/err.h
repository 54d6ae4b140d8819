/*
 * err: the error value that lower layers fill and only cmd_ code prints.
 *
 * A function that can fail takes a `struct pgs_error *` and returns -1 after
 * err_set().  The message is lower-case, says what failed and on what, and
 * has no final period; detail and hint are optional extra lines, shaped like
 * PostgreSQL's own.  `code` is the exit code the failure maps to.
 */
#ifndef PGSHIFT_ERR_H
#define PGSHIFT_ERR_H

struct pgs_error {
	int code;
	char *message;
	char *detail;
	char *hint;
};

#define PGS_ERROR_INIT { 0, NULL, NULL, NULL }

/* Each replaces the previous field; returns -1 so callers can `return err_set(...)`. */
int err_set(struct pgs_error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_detail(struct pgs_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_hint(struct pgs_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the message with "PREFIX: " (for adding context on the way up). */
void err_prefix(struct pgs_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct pgs_error *e);

#endif
