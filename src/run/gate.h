/*
 * gate: the safety gate of deploy and rollback: the files about to run,
 * linted as one batch against the target's catalogue.  The report of a gate
 * that stops is a RUN_FINDINGS event; the command prints it.
 */
#ifndef PGSHIFT_RUN_GATE_H
#define PGSHIFT_RUN_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/conn.h"
#include "lint/lint.h"
#include "run/event.h"
#include "util/err.h"
#include "util/opts.h"

/* Lets lint read the database's catalogue through conn (column types, proved NOT NULL). */
void lint_catalog_lookups(struct lint_opts *o, PGconn *conn);

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
	bool down;			/* rollback's down.sql files (the messages say so) */
};

/*
 * Lints the files about to run as one batch, in the order they run; a
 * review-level finding that is neither acknowledged in the file nor
 * approved with --approve stops everything (EXIT_BLOCKED, an error:
 * EXIT_FAILURE_) after the findings went to sink (RUN_FINDINGS).  An
 * --approve that names no file is a RUN_WARNING.
 */
int lint_gate(PGconn *conn, const struct gate_opts *o, struct gate_file *files, size_t n, const struct run_sink *sink,
	      struct pgs_error *err);

#endif
