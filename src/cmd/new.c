/*
 * new: create the directory of a new migration.
 *
 * The version is the current UTC time; when a migration with that version
 * already exists (two `new` in one second) the next free second is used, so
 * versions stay unique and ordered by creation.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"

static const char usage[] = "pgshift new NAME [--dir DIR]";

/*
 * The name part of a Prisma migration directory, made as `prisma migrate dev
 * --name` makes it: words split at case changes and at anything that is not
 * a letter or digit, lower-cased, joined with `_`, at most 200 bytes
 * ("Add userEmail!" -> "add_user_email").  New string; "" when nothing is left.
 */
static char *prisma_slug(const char *in)
{
	struct buf b = BUF_INIT;
	bool sep = false;

	for (size_t i = 0; in[i] && b.len < 200; i++) {
		unsigned char c = (unsigned char)in[i];

		if (!isalnum(c) || c >= 0x80) {
			sep = b.len > 0;
			continue;
		}
		if (isupper(c) && i > 0 && (islower((unsigned char)in[i - 1]) || isdigit((unsigned char)in[i - 1])))
			sep = b.len > 0;
		if (sep)
			buf_addc(&b, '_');
		sep = false;
		buf_addc(&b, (char)tolower(c));
	}
	return buf_detach(&b);
}

/* True when a migration directory with this version already exists in dir. */
static bool version_taken(const char *dir, enum layout layout, const char *version)
{
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	bool taken = false;

	/* A scan that fails (bad neighbours) is reported by deploy; here only versions matter. */
	if (migset_load(dir, layout, &set, &err) == 0) {
		for (size_t i = 0; i < set.n; i++)
			if (!strcmp(set.items[i].version, version))
				taken = true;
		migset_free(&set);
	} else {
		err_clear(&err);
	}
	return taken;
}

int cmd_new(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct opt opts[] = {
		COMMON_DIR_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	enum layout layout;
	char *dir = NULL, *mdir = NULL, *sql = NULL, *down = NULL, *body = NULL, *name = NULL;
	char version[VERSION_LEN + 1];
	time_t now = time(NULL);
	int rc = EXIT_OK;
	int n = cmd_options(argc, argv, opts, usage, &rc);

	if (n < 0)
		return rc;
	if (n == 0) {
		err_set(&err, EXIT_USAGE, "missing the migration NAME");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	migset_pick_dir(c.dir, &dir, &layout);
	if (layout == LAYOUT_PRISMA) {
		/* Named as Prisma names it, so a later `prisma migrate dev` sees nothing unusual. */
		name = prisma_slug(argv[0]);
		if (!*name) {
			err_set(&err, EXIT_USAGE, "invalid migration name \"%s\": no letters or digits", argv[0]);
			err_hint(&err, "e.g. pgshift new add_user_email");
			rc = common_fail(&err);
			goto out;
		}
		if (migset_check_lock(dir, &err) < 0) {
			rc = common_fail(&err);
			goto out;
		}
	} else if (!migset_valid_name(argv[0])) {
		err_set(&err, EXIT_USAGE, "invalid migration name \"%s\"", argv[0]);
		err_hint(&err, "use letters, digits and _ only, e.g. add_user_email");
		rc = common_fail(&err);
		goto out;
	} else {
		name = xstrdup(argv[0]);
	}
	if (fs_mkdir_p(dir, 0755, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	for (int tries = 0;; tries++, now++) {
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(version, sizeof(version), "%Y%m%d%H%M%S", &tm);
		if (!version_taken(dir, layout, version) || tries > 3600)
			break;
	}
	{
		char *base = xasprintf("%s_%s", version, name);
		mdir = fs_join(dir, base);
		free(base);
	}
	if (fs_mkdir_p(mdir, 0755, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	sql = fs_join(mdir, "migration.sql");
	down = fs_join(mdir, "down.sql");
	if (layout == LAYOUT_PRISMA)
		body = xasprintf("-- Migration: %s\n-- Write the SQL of this migration below. pgshift deploy runs it in "
				 "one transaction (prisma migrate deploy does not).\n", name);
	else
		body = xasprintf("-- Migration: %s\n-- Write the SQL of this migration below. It runs in one "
				 "transaction.\n", name);
	/* Prisma's directories hold migration.sql alone; a down.sql is added by hand when wanted. */
	if (fs_write_file(sql, body, strlen(body), 0644, &err) < 0 ||
	    (layout == LAYOUT_NATIVE && fs_write_file(down, "", 0, 0644, &err) < 0)) {
		rc = common_fail(&err);
		goto out;
	}
	out_printf("%s\n", sql);
out:
	free(name);
	free(dir);
	free(mdir);
	free(sql);
	free(down);
	free(body);
	return rc;
}
