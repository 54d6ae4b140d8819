/*
 * dotenv: reading a `.env` file as the brief's tools do (Prisma, Vercel):
 * KEY=VALUE lines, optional `export `, `#` comments, single quotes literal,
 * double quotes with \n \t \" \\ escapes, unquoted values trimmed and cut at
 * ` #`.
 *
 * A `.env` sits in the repository, so its keys are data, not environment:
 * they are kept in a private map and never exported (a GIT_CONFIG_* or
 * LD_PRELOAD there would run code in git or a seed command).  pgshift looks
 * up only the keys it uses through config_getenv; libpq's PG* variables
 * (PGSSLMODE, PGPASSWORD, ...) count only from the real environment.
 */
#ifndef PGSHIFT_DOTENV_H
#define PGSHIFT_DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct dotenv_entry {
	char *key;
	char *value;
};

struct dotenv {
	struct dotenv_entry *items;
	size_t n;
};

/* Parses text (NUL-terminated); path names the file in errors ("PATH:LINE: ..."). */
int dotenv_parse(const char *path, const char *text, struct dotenv *out, struct pgs_error *err);
void dotenv_free(struct dotenv *d);
/*
 * Reads path, when it exists, into the process's private map (replacing an
 * earlier one; dotenv_unload frees it).  Sets no environment variable.
 * 0 when absent.
 */
int dotenv_load_file(const char *path, struct pgs_error *err);
void dotenv_unload(void);
/* true for the keys a .env may set: the URL variables, VERCEL_DEPLOY_HOOK_URL, PGSHIFT_*. */
bool dotenv_key_allowed(const char *name);
/*
 * The value pgshift uses for name: the real environment first, else the
 * loaded .env's value when the key is allowed, else NULL.  The string
 * belongs to the environment or the map.
 */
const char *config_getenv(const char *name);

#endif
