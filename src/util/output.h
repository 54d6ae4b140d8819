/*
 * output: everything pgshift prints goes through here.
 *
 * Results go to stdout, diagnostics to stderr.  Every line is scrubbed
 * before it is written: the secret fields of every URL, key=value string and
 * PGPASSWORD= in it are masked by structure (util/secret.h), and the secrets
 * registered with secret_register() (util/secret.h) that are long enough to be unambiguous
 * are masked wherever they stand as a whole word, so a password cannot
 * reach a terminal or a CI log whatever the message that carries it (libpq
 * errors, server messages, a seed program's output, our own).  Colour is
 * used only on a terminal and never when NO_COLOR is set.
 */
#ifndef PGSHIFT_OUTPUT_H
#define PGSHIFT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"
#include "util/secret.h"

/* s redacted as every printed line is; returns a new string. */
char *out_redact(const char *s);

void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes text as it is (after redaction) to stdout. */
void out_puts(const char *s);

/* pgshift: error: MESSAGE, then detail: and hint: lines. */
void out_error(const struct pgs_error *e);
void out_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum out_colour { C_NONE, C_RED, C_GREEN, C_YELLOW, C_BLUE, C_BOLD, C_DIM };
bool out_colour_enabled(FILE *f);
/* Returns the escape sequence for c on stdout ("" when colour is off). */
const char *out_c(enum out_colour c);
const char *out_reset(void);

#endif
