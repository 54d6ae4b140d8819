/*
 * migset: scanning and validating the migrations directory.
 */
#include "core/migset.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/dotenv.h"
#include "core/text.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"

void migset_pick_dir(const char *opt_dir, char **dir, enum layout *layout)
{
	const char *env = config_getenv("PGSHIFT_DIR");
	const char *d;

	if (opt_dir && *opt_dir)
		d = opt_dir;
	else if (env && *env)
		d = env;
	else if (fs_is_file("prisma/migrations/migration_lock.toml"))
		d = "prisma/migrations";
	else
		d = "migrations";
	*dir = xstrdup(d);
	{
		char *lock = fs_join(d, "migration_lock.toml");
		*layout = fs_is_file(lock) ? LAYOUT_PRISMA : LAYOUT_NATIVE;
		free(lock);
	}
}

bool migset_valid_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_')
			return false;
	return n <= 200;
}

/* Days in month m (1-12) of year y, by the Gregorian calendar. */
static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* The two digits at s as a number. */
static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

const char *migset_version_problem(const char *v)
{
	int y, mo;

	for (int i = 0; i < VERSION_LEN; i++)
		if (!isdigit((unsigned char)v[i]))
			return "not 14 digits";
	y = two(v) * 100 + two(v + 2);
	mo = two(v + 4);
	if (mo < 1 || mo > 12)
		return "month is not 01-12";
	if (two(v + 6) < 1 || two(v + 6) > days_in_month(y, mo))
		return "day does not exist in that month";
	if (two(v + 8) > 23)
		return "hour is not 00-23";
	if (two(v + 10) > 59)
		return "minute is not 00-59";
	if (two(v + 12) > 59)
		return "second is not 00-59";
	return NULL;
}

/* Why dirname is not `<timestamp>_<name>` (NULL when it is), in words for an error message. */
static const char *dirname_problem(const char *dirname)
{
	for (int i = 0; i < VERSION_LEN; i++)
		if (!isdigit((unsigned char)dirname[i]))
			return "directory name is not <14 digits>_<name>";
	if (dirname[VERSION_LEN] != '_' || !migset_valid_name(dirname + VERSION_LEN + 1))
		return "directory name is not <14 digits>_<name>";
	if (migset_version_problem(dirname))
		return "version is not a UTC timestamp yyyymmddHHMMSS";
	return NULL;
}

bool migset_parse_dirname(const char *dirname, char version[VERSION_LEN + 1], const char **name)
{
	if (dirname_problem(dirname))
		return false;
	memcpy(version, dirname, VERSION_LEN);
	version[VERSION_LEN] = '\0';
	if (name)
		*name = dirname + VERSION_LEN + 1;
	return true;
}

/* Prisma's directory names as pgshift accepts them: what a history row and a shell can carry. */
static bool prisma_valid_dirname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/* Skips spaces and tabs. */
static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * The `provider` key of migration_lock.toml.  Prisma writes the file as a
 * comment header and one `provider = "..."` line, and reads it back line by
 * line; this reads the same subset of TOML (bare key, basic or literal
 * string, trailing comment) and says where anything else is.
 */
int migset_check_lock(const char *dir, struct pgs_error *err)
{
	char *path = fs_join(dir, "migration_lock.toml");
	struct buf text = BUF_INIT;
	const char *p, *end;
	int line = 0, rc = -1;

	if (fs_read_file(path, &text, err) < 0)
		goto out;
	p = text.data;
	end = text.data + text.len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q, *v, *vend;

		if (!eol)
			eol = end;
		line++;
		q = skip_blank(p, eol);
		if (eol - q >= 8 && !memcmp(q, "provider", 8) && (q = skip_blank(q + 8, eol)) < eol && *q == '=') {
			q = skip_blank(q + 1, eol);
			if (q < eol && (*q == '"' || *q == '\'') && (vend = memchr(q + 1, *q, (size_t)(eol - q - 1)))) {
				v = q + 1;
				if (vend - v == 10 && !memcmp(v, "postgresql", 10)) {
					rc = 0;
					goto out;
				}
				err_set_at(err, EXIT_FAILURE_, path, line, 0,
					   "provider is \"%.*s\"; pgshift migrates PostgreSQL only", (int)(vend - v), v);
				err_hint(err, "these migrations were generated for another database; if the database is "
					      "PostgreSQL, regenerate them with the schema's datasource provider = \"postgresql\"");
				goto out;
			}
			err_set_at(err, EXIT_FAILURE_, path, line, 0, "cannot read the provider value");
			err_hint(err, "write it as Prisma does: provider = \"postgresql\"");
			goto out;
		}
		p = eol + 1;
	}
	err_set(err, EXIT_FAILURE_, "%s: no provider line", path);
	err_hint(err, "Prisma writes provider = \"postgresql\" into this file; add that line");
out:
	buf_release(&text);
	free(path);
	return rc;
}

static int cmp_migration(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->name, ((const struct migration *)b)->name);
}

static void migration_free(struct migration *m)
{
	free(m->name);
	free(m->dir);
	free(m->sql_path);
	free(m->down_path);
	buf_release(&m->sql);
}

/* Reads and checks one migration directory into m (already holding name and dir). */
static int load_one(int dirfd, struct migration *m, struct pgs_error *err)
{
	char *rel = fs_join(m->name, "migration.sql");
	struct stat st;
	size_t bad;
	int rc;

	m->sql_path = fs_join(m->dir, "migration.sql");
	rc = fs_read_at(dirfd, rel, m->sql_path, &m->sql, err);
	free(rel);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		err_set(err, EXIT_FAILURE_, "migration \"%s\" has no migration.sql", m->name);
		err_hint(err, "add %s, or remove the directory if it is not a migration", m->sql_path);
		return -1;
	}
	if (!text_valid_utf8(m->sql.data, m->sql.len, &bad)) {
		err_set_at(err, EXIT_FAILURE_, m->sql_path, text_line_of(m->sql.data, bad), 0,
			   "file is not valid UTF-8 (byte 0x%02x at offset %zu)", bad < m->sql.len ? (unsigned char)m->sql.data[bad] : 0, bad);
		err_hint(err, "save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)");
		return -1;
	}
	if (text_is_blank(m->sql.data, m->sql.len)) {
		err_set(err, EXIT_FAILURE_, "%s: migration file is empty", m->sql_path);
		err_hint(err, "write the migration's SQL into it, or delete the directory %s", m->dir);
		return -1;
	}
	checksum_sha256_hex(m->sql.data, m->sql.len, m->checksum);	/* over the bytes as they are */
	m->bom = text_strip_bom(&m->sql);

	rel = fs_join(m->name, "down.sql");
	if (fstatat(dirfd, rel, &st, 0) == 0 && S_ISREG(st.st_mode)) {
		m->down_path = fs_join(m->dir, "down.sql");
		m->down_empty = st.st_size == 0;
	}
	free(rel);
	return 0;
}

/* True when the entry is a directory (d_type when the file system gives it). */
static bool entry_is_dir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return false;
	return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Loads items [from, to) of a set; the first error wins. */
struct load_range {
	int dirfd;
	struct migration *items;
	size_t from, to;
	struct pgs_error err;
	int rc;
};

static void *load_range(void *arg)
{
	struct load_range *r = arg;

	r->rc = 0;
	for (size_t i = r->from; i < r->to && r->rc == 0; i++)
		r->rc = load_one(r->dirfd, &r->items[i], &r->err);
	return NULL;
}

/*
 * Reads the files of every migration.  On a large set the second half is
 * read on another thread: the cost is system calls, not CPU, and a deploy or
 * status of a thousand migrations should not wait for them one by one.
 */
static int load_all(int dirfd, struct migset *set, struct pgs_error *err)
{
	struct load_range lo = { dirfd, set->items, 0, set->n, PGS_ERROR_INIT, 0 };
	struct load_range hi = { dirfd, set->items, set->n, set->n, PGS_ERROR_INIT, 0 };
	pthread_t tid;
	bool threaded = false;

	if (set->n >= 128) {
		lo.to = hi.from = set->n / 2;
		threaded = pthread_create(&tid, NULL, load_range, &hi) == 0;
		if (!threaded)
			lo.to = set->n;
	}
	load_range(&lo);
	if (threaded)
		pthread_join(tid, NULL);
	if (lo.rc < 0 || hi.rc < 0) {
		struct load_range *bad = lo.rc < 0 ? &lo : &hi;

		err_clear(err);
		*err = bad->err;
		if (bad == &lo)
			err_clear(&hi.err);
		return -1;
	}
	return 0;
}

/* Adds "PATH: PROBLEM (WHY)" as a line of *list (why may be NULL). */
static void add_bad_name(struct buf *list, size_t *n, const char *path, const char *problem, const char *why)
{
	buf_addf(list, "%s%s: %s", list->len ? "\n" : "", path, problem);
	if (why)
		buf_addf(list, " (%s)", why);
	(*n)++;
}

/*
 * Every directory whose name cannot be a migration, in one error: fixing one
 * to find the next costs a CI run each.  One is the message; several are its
 * detail lines.  Takes list's memory.
 */
static void bad_names_error(struct buf *list, size_t n, enum layout layout, struct pgs_error *err)
{
	if (n == 1) {
		err_set(err, EXIT_FAILURE_, "%s", list->data);
	} else {
		err_set(err, EXIT_FAILURE_, "%zu migration directories have names pgshift cannot use", n);
		err_detail(err, "%s", list->data);
	}
	if (layout == LAYOUT_PRISMA)
		err_hint(err, "use at most 255 bytes of letters, digits, _ and -, as Prisma's "
			 "<timestamp>_<name> directories do");
	else
		err_hint(err, "rename each like 20250101120000_add_users (a real UTC time yyyymmddHHMMSS, then "
			 "letters, digits and _); \"pgshift new NAME\" does this for you");
	buf_release(list);
}

int migset_load(const char *dir, enum layout layout, struct migset *out, struct pgs_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf bad = BUF_INIT;
	size_t cap = 0, nbad = 0;

	memset(out, 0, sizeof(*out));
	if (d && layout == LAYOUT_PRISMA && migset_check_lock(dir, err) < 0) {
		closedir(d);
		return -1;
	}
	if (!d) {
		if (errno == ENOENT) {
			err_set(err, EXIT_FAILURE_, "migrations directory \"%s\" does not exist", dir);
			err_hint(err, "create the first migration with \"pgshift new NAME\", or point at the "
				 "directory with --dir or PGSHIFT_DIR");
		} else {
			err_set(err, EXIT_FAILURE_, "could not open migrations directory \"%s\": %s", dir,
				strerror(errno));
		}
		return -1;
	}
	out->dir = xstrdup(dir);
	out->layout = layout;
	while ((de = readdir(d))) {
		struct migration m;

		if (de->d_name[0] == '.')
			continue;
		if (!entry_is_dir(dirfd(d), de))
			continue;	/* migration_lock.toml, READMEs: not migrations */
		memset(&m, 0, sizeof(m));
		buf_init(&m.sql);
		m.name = xstrdup(de->d_name);
		m.dir = fs_join(dir, de->d_name);
		if (layout == LAYOUT_PRISMA) {
			/* Prisma takes any directory (e.g. 0_init from a baseline); the version is only informative. */
			if (!migset_parse_dirname(m.name, m.version, NULL))
				m.version[0] = '\0';
			if (!prisma_valid_dirname(m.name))
				add_bad_name(&bad, &nbad, m.dir, "directory name is not a usable migration name",
					     NULL);
		} else if (!migset_parse_dirname(m.name, m.version, NULL)) {
			add_bad_name(&bad, &nbad, m.dir, dirname_problem(m.name), migset_version_problem(m.name));
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->items = xrealloc(out->items, cap * sizeof(*out->items));
		}
		out->items[out->n++] = m;
	}
	if (nbad) {
		bad_names_error(&bad, nbad, layout, err);
		goto fail;
	}
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(*out->items), cmp_migration);
	for (size_t i = 1; i < out->n; i++) {
		if (out->items[i].version[0] && !strcmp(out->items[i - 1].version, out->items[i].version)) {
			err_set(err, EXIT_FAILURE_, "two migrations have the same version %s: %s and %s",
				out->items[i].version, out->items[i - 1].name, out->items[i].name);
			err_hint(err, "give one of them a later version (rename its directory) so the order is "
				 "unambiguous");
			goto fail;
		}
	}
	if (load_all(dirfd(d), out, err) < 0)
		goto fail;
	closedir(d);
	return 0;
fail:
	if (d)
		closedir(d);
	migset_free(out);
	return -1;
}

void migset_free(struct migset *set)
{
	for (size_t i = 0; i < set->n; i++)
		migration_free(&set->items[i]);
	free(set->items);
	free(set->dir);
	memset(set, 0, sizeof(*set));
}

struct migration *migset_find(const struct migset *set, const char *name)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(set->items[mid].name, name);

		if (!c)
			return &set->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
