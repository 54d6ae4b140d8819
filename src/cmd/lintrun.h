/*
 * lintrun: what lint and review share: the output options and printing the
 * findings in the chosen format.
 */
#ifndef PGSHIFT_LINTRUN_H
#define PGSHIFT_LINTRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "lint/lint.h"
#include "util/err.h"
#include "util/opts.h"

struct lint_output {
	const char *format;	/* text (default), json, sarif */
	bool strict;
};

#define LINT_OUTPUT_OPTS(o) \
	OPT_STRING(0, "format", &(o)->format, "FORMAT", "text (default), json or sarif"), \
	OPT_BOOL(0, "strict", &(o)->strict, "warnings block too")

int lint_output_check(const struct lint_output *o, struct pgs_error *err);
/* Accepts 15 or 150000 (and 9.6 style 96); -1 with err otherwise. */
int lint_parse_version(const char *s, int *version, struct pgs_error *err);
/*
 * Prints the findings (and, under GitHub Actions with text output, workflow
 * annotations); returns the lint exit code.
 */
int lint_output_print(const struct lint_output *o, const struct findings *f);

#endif
