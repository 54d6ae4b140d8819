/*
 * dotenv: reading a `.env` file as the brief's tools do (Prisma, Vercel):
 * KEY=VALUE lines, optional `export `, `#` comments, single quotes literal,
 * double quotes with \n \t \" \\ escapes, unquoted values trimmed and cut at
 * ` #`.  Values never override variables already in the environment.
 */
#ifndef PGSHIFT_DOTENV_H
#define PGSHIFT_DOTENV_H

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
/* Reads path when it exists and sets each variable not already set.  0 when absent. */
int dotenv_load_file(const char *path, struct pgs_error *err);

#endif
