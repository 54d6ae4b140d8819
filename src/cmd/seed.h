/*
 * seed: the seed's options and output, shared by `seed`, `deploy --seed` and
 * `reset` (the engine is run/seed.h).
 */
#ifndef PGSHIFT_CMD_SEED_H
#define PGSHIFT_CMD_SEED_H

#include <stdbool.h>

#include "cmd/common.h"
#include "run/seed.h"

#define SEED_OPTS(s) \
	OPT_STRING(0, "seed", &(s)->path, "PATH", "seed file or directory (default: seed.sql or seed/ beside the migrations directory)"), \
	OPT_STRING(0, "command", &(s)->command, "CMD", "run CMD (with DATABASE_URL set) instead of seed SQL, e.g. \"pnpm run db:seed\"")

/*
 * Runs the seed (seed_load) and prints what it did, and the seed program's
 * output through the redaction.  When required is false, finding no seed is
 * not an error (it says so).
 */
int seed_run(struct session *ss, const struct seed_opts *so, bool required, struct pgs_error *err);

#endif
