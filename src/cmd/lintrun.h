/*
 * lintrun: what lint, deploy's gate and review share: the output options
 * and printing the findings in the chosen format.
 */
#ifndef PGSHIFT_LINTRUN_H
#define PGSHIFT_LINTRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "db/conn.h"
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

/* Lets lint read the database's catalogue through conn (column types, proved NOT NULL). */
void lint_catalog_lookups(struct lint_opts *o, PGconn *conn);

int lint_output_check(const struct lint_output *o, struct pgs_error *err);
/* Accepts 15 or 150000 (and 9.6 style 96); -1 with err otherwise. */
int lint_parse_version(const char *s, int *version, struct pgs_error *err);
/*
 * Prints the findings (and, under GitHub Actions with text output, workflow
 * annotations); returns the lint exit code.
 */
int lint_output_print(const struct lint_output *o, const struct findings *f);

/* One file through the safety gate. */
struct gate_file {
	const char *path;	/* migration.sql, or down.sql for a rollback */
	const char *sql;
	const char *name;	/* its migration */
	char *review;		/* set when passed: the review record (JSON) for its history row, or NULL; caller frees */
};

struct gate_opts {
	const struct strlist *approve;	/* --approve NAME... */
	bool strict;			/* warnings stop it too */
	bool json;			/* stdout is JSON: the report goes to stderr */
	bool down;			/* rollback's down.sql files (the messages say so) */
};

/*
 * The safety gate of deploy and rollback: lints the files about to run as
 * one batch, in the order they run; a review-level finding that is neither
 * acknowledged in the file nor approved with --approve stops everything
 * (EXIT_BLOCKED, an error: EXIT_FAILURE_) after the report is printed.
 */
int lint_gate(PGconn *conn, const struct gate_opts *o, struct gate_file *files, size_t n, struct pgs_error *err);

#endif
