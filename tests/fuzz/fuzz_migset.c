/*
 * Fuzz target: loading a migrations directory (core/migset).  The first
 * byte picks the layout (odd: Prisma); the rest is NUL-separated pairs of a
 * relative path and its contents, written into a scratch directory that is
 * scanned and removed again.
 */
#include <stdio.h>

#include "fuzz.h"
#include "core/migset.h"

#define MAX_FILES 16

/* A path that stays inside the scratch directory: relative, no "..". */
static bool safe_path(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 200)
		return false;
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if ((c == p || c[-1] == '/') && (c[2] == '/' || !c[2]))
			return false;
	return true;
}

static void write_file(const char *root, const char *rel, const char *text)
{
	char *path = fs_join(root, rel), *slash = strrchr(path, '/');
	struct pgs_error err = PGS_ERROR_INIT;

	*slash = '\0';
	if (fs_mkdir_p(path, 0700, &err) == 0) {
		*slash = '/';
		fs_write_file(path, text, strlen(text), 0600, &err);
	}
	err_clear(&err);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum layout layout;
	char *root, *rel, *text;
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	int nfiles = 0;

	if (!size)
		return 0;
	layout = data[0] & 1 ? LAYOUT_PRISMA : LAYOUT_NATIVE;
	data++;
	size--;
	root = fs_join(fuzz_tmpdir(), "migrations");
	if (fs_mkdir_p(root, 0700, &err) < 0)
		abort();
	while (nfiles < MAX_FILES && (rel = fuzz_piece(&data, &size))) {
		text = fuzz_piece(&data, &size);
		if (safe_path(rel))
			write_file(root, rel, text ? text : "");
		free(rel);
		free(text);
		nfiles++;
	}
	if (migset_load(root, layout, &set, &err) == 0) {
		if (set.n)
			migset_find(&set, set.items[0].name);
		migset_free(&set);
	}
	err_clear(&err);
	if (fs_remove_tree(root, &err) < 0)
		abort();
	free(root);
	return 0;
}
