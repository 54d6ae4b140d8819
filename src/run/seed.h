/*
 * seed: loading the project's seed, for `seed`, `deploy --seed` and `reset`.
 *
 * SQL seeds run like a migration (statements split by libpg_query, errors
 * named by file and line) but all files in one transaction and without a
 * history row: a seed either loads whole or not at all.  A seed program
 * gets DATABASE_URL in its environment, with the sslmode pgshift chose for
 * a host that is not local; its output is handed to the caller line by
 * line (so that a secret cut between two reads is still redacted whole).
 * Nothing here prints.
 */
#ifndef PGSHIFT_RUN_SEED_H
#define PGSHIFT_RUN_SEED_H

#include <stdbool.h>
#include <stddef.h>

#include "db/conn.h"
#include "util/err.h"

struct history_table;

struct seed_opts {
	const char *path;	/* --seed: a .sql file or a directory of them */
	const char *command;	/* --command: an external seed program */
};

/* One line of the seed program's output, with its newline when it had one; stream 1 (stdout) or 2 (stderr). */
typedef void (*seed_line_fn)(int stream, const char *line, void *ctx);

/* Where the seed is loaded: the connection, its history table and target, and the migrations directory. */
struct seed_place {
	PGconn *conn;
	const struct history_table *ht;
	const struct target *t;
	const char *migrations_dir;
};

/* What seed_load did. */
struct seed_result {
	size_t files;		/* SQL files loaded (0 with a seed program, or when none was found) */
	size_t statements;	/* their statements */
	char *where;		/* no seed found (and not required): what was looked at; caller frees */
};

/*
 * Loads the seed: the program so->command (its output to on_line), else
 * every SQL file of so->path or the project's default place in one
 * transaction.  When required is false and no path is given, finding no
 * seed is not an error (res->where says where it looked).  -1 with err.
 */
int seed_load(const struct seed_place *at, const struct seed_opts *so, bool required, seed_line_fn on_line,
	      void *ctx, struct seed_result *res, struct pgs_error *err);

#endif
