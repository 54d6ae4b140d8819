/*
 * seed: locating seed.sql, or the .sql files of seed/.
 */
#include "core/seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with_sql(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcmp(name + n - 4, ".sql");
}

static int list_dir(const char *dir, struct seed_files *out, struct pgs_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;

	if (!d)
		return err_set(err, EXIT_FAILURE_, "could not open seed directory \"%s\": %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char *path;

		if (de->d_name[0] == '.' || !ends_with_sql(de->d_name))
			continue;
		path = fs_join(dir, de->d_name);
		if (!fs_is_file(path)) {
			free(path);
			continue;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->paths = xrealloc(out->paths, cap * sizeof(*out->paths));
		}
		out->paths[out->n++] = path;
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->paths, out->n, sizeof(*out->paths), cmp_str);
	return 0;
}

static void add_one(struct seed_files *out, const char *path)
{
	out->paths = xrealloc(out->paths, (out->n + 1) * sizeof(*out->paths));
	out->paths[out->n++] = xstrdup(path);
}

/* Where the default seed lives: seed.sql, else the .sql files in seed/, beside the migrations directory. */
static int find_default(const char *migrations_dir, struct seed_files *out, struct pgs_error *err)
{
	char *parent = xstrdup(migrations_dir);
	char *slash, *file, *dir;
	size_t n = strlen(parent);
	int rc = 0;

	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	slash = strrchr(parent, '/');
	if (!slash)
		strcpy(parent, ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	file = fs_join(parent, "seed.sql");
	dir = fs_join(parent, "seed");
	out->where = xasprintf("%s or %s/*.sql", file, dir);
	if (fs_is_file(file))
		add_one(out, file);
	else if (fs_is_dir(dir))
		rc = list_dir(dir, out, err);
	free(parent);
	free(file);
	free(dir);
	return rc;
}

int seed_find(const char *migrations_dir, const char *explicit_path, struct seed_files *out, struct pgs_error *err)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!explicit_path) {
		rc = find_default(migrations_dir, out, err);
	} else {
		out->where = xstrdup(explicit_path);
		if (fs_is_dir(explicit_path)) {
			rc = list_dir(explicit_path, out, err);
		} else if (fs_is_file(explicit_path)) {
			add_one(out, explicit_path);
		} else {
			err_set(err, EXIT_FAILURE_, "seed \"%s\" does not exist", explicit_path);
			err_hint(err, "give --seed a .sql file or a directory of .sql files");
			rc = -1;
		}
	}
	if (rc < 0)
		seed_files_free(out);
	return rc;
}

void seed_files_free(struct seed_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
	free(f->where);
	memset(f, 0, sizeof(*f));
}
