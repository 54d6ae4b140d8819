/*
 * seed: finding the seed SQL of a project.
 *
 * `seed.sql`, or every `*.sql` in `seed/` in name order, next to the
 * migrations directory (`migrations/` -> `./seed.sql`, `prisma/migrations/`
 * -> `prisma/seed.sql`), or the file or directory given with --seed.
 */
#ifndef PGSHIFT_SEED_H
#define PGSHIFT_SEED_H

#include <stddef.h>

#include "util/err.h"

struct seed_files {
	char **paths;
	size_t n;
	char *where;	/* what was looked at, for messages */
};

/*
 * Finds the seed files.  With explicit set (--seed), a missing path is an
 * error; otherwise finding nothing returns 0 with n == 0.  On error out
 * holds nothing (free it only after a 0).
 */
int seed_find(const char *migrations_dir, const char *explicit_path, struct seed_files *out, struct pgs_error *err);
void seed_files_free(struct seed_files *f);

#endif
