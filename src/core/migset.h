/*
 * migset: the migrations on disk.
 *
 * A migration is a directory `<version>_<name>` holding `migration.sql` and
 * an optional `down.sql`; `version` is a UTC time yyyymmddHHMMSS and
 * `name` is letters, digits and `_`.  In a Prisma layout any directory name
 * Prisma would take is a migration (`0_init` from a baseline, say); its
 * version is then empty unless the name has the timestamp form.  Migrations are ordered by the byte
 * order of their directory names.  Loading validates everything a later step
 * would trip over (names, duplicate versions, empty or non-UTF-8 files), so
 * commands can refuse bad input before they touch a database.
 */
#ifndef PGSHIFT_MIGSET_H
#define PGSHIFT_MIGSET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/checksum.h"
#include "util/buf.h"
#include "util/err.h"

#define VERSION_LEN 14

enum layout { LAYOUT_NATIVE, LAYOUT_PRISMA };

struct migration {
	char *name;		/* directory name, e.g. 20250101000001_create_users */
	char version[VERSION_LEN + 1];	/* "" for a Prisma name without a timestamp */
	char *dir;		/* path of the directory as given (relative to cwd when --dir was) */
	char *sql_path;		/* dir/migration.sql */
	char *down_path;	/* dir/down.sql, or NULL when absent */
	bool down_empty;	/* down.sql exists but is empty (whitespace is only seen when it is read) */
	struct buf sql;		/* contents of migration.sql, without a byte-order mark */
	bool bom;		/* the file starts with a UTF-8 byte-order mark (in the checksum, not in sql) */
	char checksum[CHECKSUM_HEX_LEN + 1];
};

struct migset {
	char *dir;
	enum layout layout;
	struct migration *items;	/* sorted by name */
	size_t n;
};

/*
 * Picks the migrations directory: opt_dir (--dir), else $PGSHIFT_DIR, else
 * prisma/migrations when it has migration_lock.toml, else migrations.
 * *dir is a new string (caller frees).  Never fails; the directory may not exist.
 */
void migset_pick_dir(const char *opt_dir, char **dir, enum layout *layout);

/* True when s is a valid migration name part: [A-Za-z0-9_]+, at most 200 bytes. */
bool migset_valid_name(const char *s);
/*
 * Why v (its first 14 bytes) is not a version: a real UTC time yyyymmddHHMMSS
 * (month 01-12, a day the month has, leap years counted, hour below 24,
 * minute and second below 60); NULL when it is one.
 */
const char *migset_version_problem(const char *v);
/*
 * Splits a directory name into version and name part; false when it is not
 * `<version>_<name>` with a valid version (migset_version_problem).
 */
bool migset_parse_dirname(const char *dirname, char version[VERSION_LEN + 1], const char **name);

/*
 * Checks dir/migration_lock.toml of a Prisma layout: it must exist and say
 * provider = "postgresql".  migset_load calls it for LAYOUT_PRISMA.
 */
int migset_check_lock(const char *dir, struct pgs_error *err);

/* Loads and validates every migration under dir.  On error nothing is left to free. */
int migset_load(const char *dir, enum layout layout, struct migset *out, struct pgs_error *err);
void migset_free(struct migset *set);
struct migration *migset_find(const struct migset *set, const char *name);

#endif
