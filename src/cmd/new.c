/*
 * new: create the directory of a new migration.
 *
 * The version is the current UTC time; when a migration with that version
 * already exists (two `new` in one second) the next free second is used, so
 * versions stay unique and ordered by creation.
 *
 * With --from-schema the migration is written for the user: the schema
 * file is loaded into a scratch database and the migrations replayed into
 * another (cmd/shadow.h), and the plan between the two (schema/diff.h) is
 * written one directory per migration of the plan, versions one second
 * apart.  Each migration is run in the replayed scratch as it is written,
 * and the model read after it gives its down.sql (the plan back to the
 * model before it), so that rollback, newest first, undoes each one alone.
 * A migration that touches only tables and what belongs to them (columns,
 * constraints, indexes, triggers, policies) has only those tables read
 * again (schema_load_tables): on a large schema a whole read per migration
 * would cost more than the migrations.  The model after the last one is
 * read whole, to say what still differs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "run/shadow.h"
#include "core/dotenv.h"
#include "db/replay.h"
#include "schema/diff.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"

static const char usage[] = "pgshift new NAME [--dir DIR]\n"
			    "       pgshift new NAME --from-schema [FILE] [--dir DIR] [--shadow-url URL] [--url URL]";

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

/* The first free version from *now on (advanced past it). */
static void pick_version(const char *dir, enum layout layout, time_t *now, char version[VERSION_LEN + 1])
{
	for (int tries = 0;; tries++, (*now)++) {
		struct tm tm;

		gmtime_r(now, &tm);
		strftime(version, VERSION_LEN + 1, "%Y%m%d%H%M%S", &tm);
		if (!version_taken(dir, layout, version) || tries > 3600)
			break;
	}
	(*now)++;
}

/* One migration of the plan: statements [first, end), and the SQL that undoes it. */
struct step {
	size_t first, end;
	bool in_transaction;
	struct buf down;
};

/* The schema file: FILE, else $PGSHIFT_SCHEMA, else schema.sql beside the migrations directory (new string). */
static char *schema_file(const char *arg, const char *dir)
{
	const char *env = config_getenv("PGSHIFT_SCHEMA");
	const char *slash = strrchr(dir, '/');

	if (arg)
		return xstrdup(arg);
	if (env && *env)
		return xstrdup(env);
	return slash ? xasprintf("%.*s/schema.sql", (int)(slash - dir), dir) : xstrdup("schema.sql");
}

/* Adds name to the set v[0..*n) (names borrowed). */
static void add_name(const char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = name;
}

/* A table of m (named by qname) is partitioned or a partition: read whole (its partitions change with it). */
static bool in_partition_tree(const struct schema_model *m, const char *qname)
{
	char *key = xasprintf("%s %s", schema_kind_name(SCHEMA_KIND_TABLE), qname);
	const struct schema_object *t = schema_find(m, key);

	free(key);
	return t && (t->partition || t->subkind == 'p');
}

/*
 * The tables statements [first, end) of the plan touch, as objects of
 * `before` (the model they run on) or `want` (the plan's target): *tables
 * (new array of *n, names borrowed from the models).  False when one of
 * them is something else (a function, a view, a type ...) or a table of a
 * partition tree: then the whole model is read again.
 */
static bool step_tables(const struct diff_plan *plan, size_t first, size_t end, const struct schema_model *before,
			const struct schema_model *want, const char ***tables, size_t *n)
{
	*tables = NULL;
	*n = 0;
	for (size_t i = first; i < end; i++) {
		const struct diff_stmt *st = &plan->stmts[i];
		char *key = xasprintf("%s %s", st->kind, st->object);
		const struct schema_model *ms[2] = { before, want };
		bool found = false;

		for (int k = 0; k < 2; k++) {
			const struct schema_object *o = schema_find(ms[k], key);

			if (!o)
				continue;
			if (o->kind == SCHEMA_KIND_TABLE)
				add_name(tables, n, o->qname);
			else if (o->table && (o->kind == SCHEMA_KIND_CONSTRAINT || o->kind == SCHEMA_KIND_INDEX ||
					      o->kind == SCHEMA_KIND_TRIGGER || o->kind == SCHEMA_KIND_POLICY))
				add_name(tables, n, o->table);
			else
				break;
			found = true;
		}
		free(key);
		if (!found)
			goto whole;
	}
	for (size_t i = 0; i < *n; i++)
		if (in_partition_tree(before, (*tables)[i]) || in_partition_tree(want, (*tables)[i]))
			goto whole;
	return true;
whole:
	free(*tables);
	*tables = NULL;
	*n = 0;
	return false;
}

/* Names the objects that still differ (a few of them) in the buf arg. */
static void name_left(const struct schema_object *a, const struct schema_object *b, void *arg)
{
	struct buf *out = arg;
	const struct schema_object *o = a ? a : b;

	if (out->len < 200)
		buf_addf(out, "%s%s %s", out->len ? ", " : "", schema_kind_name(o->kind), o->qname);
}

/* Names the objects of either model that the plan cannot see (kinds pgshift does not model). */
static void warn_not_compared(const struct schema_model *a, const struct schema_model *b)
{
	char *what = schema_unmodelled_phrase(a, b);

	if (what)
		out_warning("not compared, pgshift does not model them (write them by hand): %s", what);
	free(what);
}

/*
 * Reads the model of file and of the migrations replayed, makes the plan,
 * and runs it migration by migration in the replayed scratch, filling each
 * step's down.sql.  *nsteps 0: no schema changes.  The objects the written
 * migrations would still not make as the file does are counted in *left
 * and named in left_names.
 */
static int generate(const struct common_opts *c, const char *shadow_url, const char *file, const struct migset *set,
		    const struct history_table *ht, struct diff_plan *plan, struct step **steps, size_t *nsteps,
		    size_t *left, struct buf *left_names, struct pgs_error *err)
{
	struct target t = { 0 };
	PGconn *conn;
	struct schema_filter f = { .history_schema = ht->schema };
	struct schema_model want = { 0 }, before = { 0 }, after = { 0 };
	struct shadow_fill fill = { .sql_path = file };
	const struct migration **migs = xcalloc(set->n + 1, sizeof(*migs));
	struct scratch s = { 0 };
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	*steps = NULL;
	*nsteps = *left = 0;
	for (size_t i = 0; i < set->n; i++)
		migs[i] = &set->items[i];
	conn = common_connect_if_configured(c, &t, err);
	if (!conn && err->message)
		goto out;
	if (shadow_model(c, shadow_url, conn, conn ? &t : NULL, &fill, &f, &want, err) < 0) {
		if (err->code != EXIT_INTERRUPTED)
			err_prefix(err, "%s: ", file);
		goto out;
	}
	if (shadow_open(c, shadow_url, conn, conn ? &t : NULL, false, &s, err) < 0)
		goto out;
	fill = (struct shadow_fill){ NULL, ht, migs, set->n };
	if (shadow_fill_db(s.conn, &fill, err) < 0 || schema_load(s.conn, &f, &before, err) < 0 ||
	    schema_diff_plan(&before, &want, plan, err) < 0)
		goto close;
	warn_not_compared(&before, &want);
	*steps = xcalloc(plan->migrations + 1, sizeof(**steps));
	for (size_t i = 0; i < plan->n; i++) {
		struct step *st;
		const char **sql, **tables;
		char *what;
		size_t ntables;
		int r;

		if (plan->stmts[i].new_migration) {
			st = &(*steps)[(*nsteps)++];
			st->first = i;
			st->in_transaction = plan->stmts[i].in_transaction;
		}
		st = &(*steps)[*nsteps - 1];
		st->end = i + 1;
		if (i + 1 < plan->n && !plan->stmts[i + 1].new_migration)
			continue;
		sql = xcalloc(st->end - st->first + 1, sizeof(*sql));
		for (size_t k = st->first; k < st->end; k++)
			sql[k - st->first] = plan->stmts[k].sql;
		what = xasprintf("generated migration %zu of %zu", *nsteps, plan->migrations);
		r = replay_statements(s.conn, sql, st->end - st->first, st->in_transaction, what, err);
		free(sql);
		free(what);
		if (r < 0)
			goto close;
		if (step_tables(plan, st->first, st->end, &before, &want, &tables, &ntables))
			r = schema_load_tables(s.conn, &f, &before, tables, ntables, &after, err);
		else
			r = schema_load(s.conn, &f, &after, err);
		free(tables);
		if (r < 0 || schema_down_sql(&after, &before, &st->down, err) < 0)
			goto close;
		schema_model_free(&before);
		before = after;
		memset(&after, 0, sizeof(after));
	}
	if (plan->n) {
		/* what the migrations made, read whole, to say what still differs */
		schema_model_free(&before);
		if (schema_load(s.conn, &f, &before, err) < 0)
			goto close;
		*left = schema_compare(&before, &want, name_left, left_names);
	}
	rc = 0;
close:
	rc = shadow_close(&s, rc, err);
out:
	schema_model_free(&want);
	schema_model_free(&before);
	schema_model_free(&after);
	if (conn)
		db_close(conn);
	target_free(&t);
	free(migs);
	return rc;
}

/* Writes path, refusing to replace a file (-1 with err). */
static int write_new(const char *path, const char *text, struct pgs_error *err)
{
	if (fs_is_file(path))
		return err_set(err, EXIT_FAILURE_, "%s exists already", path);
	return fs_write_file(path, text, strlen(text), 0644, err);
}

/* Writes the steps' directories (the first named name, then name_2 ...) and prints their migration.sql paths. */
static int write_steps(const char *dir, enum layout layout, const char *name, const char *file,
		       const struct diff_plan *plan, struct step *steps, size_t n, struct pgs_error *err)
{
	time_t now = time(NULL);

	for (size_t k = 0; k < n; k++) {
		char version[VERSION_LEN + 1];
		struct buf up = BUF_INIT, down = BUF_INIT;
		char *base, *mdir, *sql, *dpath;
		int rc;

		pick_version(dir, layout, &now, version);
		base = k ? xasprintf("%s_%s_%zu", version, name, k + 1) : xasprintf("%s_%s", version, name);
		mdir = fs_join(dir, base);
		sql = fs_join(mdir, "migration.sql");
		dpath = fs_join(mdir, "down.sql");
		if (!steps[k].in_transaction)
			buf_adds(&up, "-- pgshift:no-transaction\n");
		buf_addf(&up, "-- Generated by pgshift new --from-schema %s: migration %zu of %zu%s.\n", file, k + 1, n,
			 steps[k].in_transaction ? "" : " (each statement runs on its own)");
		diff_plan_sql_range(plan, steps[k].first, steps[k].end, &up);
		buf_addf(&down, "-- Reverts %s (generated by pgshift new --from-schema).\n", base);
		buf_adds(&down, steps[k].down.data ? steps[k].down.data : "");
		rc = fs_mkdir_p(mdir, 0755, err) < 0 || write_new(sql, up.data, err) < 0 ||
		     write_new(dpath, down.data, err) < 0 ? -1 : 0;
		if (rc == 0)
			out_printf("%s\n", sql);
		buf_release(&up);
		buf_release(&down);
		free(base);
		free(mdir);
		free(sql);
		free(dpath);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int from_schema(const struct common_opts *c, const char *shadow_url, const char *arg, const char *dir,
		       enum layout layout, const char *name)
{
	struct pgs_error err = PGS_ERROR_INIT;
	char *file = schema_file(arg, dir);
	struct migset set = { 0 };
	struct history_table ht;
	struct diff_plan plan = { 0 };
	struct step *steps = NULL;
	size_t n = 0, left = 0;
	struct buf left_names = BUF_INIT;
	bool loaded = false;
	int rc = EXIT_OK;

	common_history_table(c, &ht);
	if (!fs_is_file(file)) {
		err_set(&err, EXIT_USAGE, "%s: no such file", file);
		err_hint(&err, "write the schema you want there, or name it: pgshift new %s --from-schema FILE "
			       "(or PGSHIFT_SCHEMA)", name);
	} else if (fs_is_dir(dir) && common_load(c, &set, &err) == 0) {
		loaded = true;
	}
	if (err.message || generate(c, shadow_url, file, &set, &ht, &plan, &steps, &n, &left, &left_names, &err) < 0 ||
	    (n && (fs_mkdir_p(dir, 0755, &err) < 0 || write_steps(dir, layout, name, file, &plan, steps, n, &err) < 0))) {
		rc = common_fail(&err);
		goto out;
	}
	if (!n)
		out_printf("no schema changes: the migrations make what %s holds\n", file);
	else if (left)
		out_warning("%zu object%s still differ%s from %s after the generated migrations (%s): review them, "
			    "and run \"pgshift diff --from migrations --to %s\"", left, left == 1 ? "" : "s",
			    left == 1 ? "s" : "", file, left_names.data, file);
out:
	for (size_t k = 0; k < n; k++)
		buf_release(&steps[k].down);
	free(steps);
	buf_release(&left_names);
	diff_plan_free(&plan);
	if (loaded)
		migset_free(&set);
	free(file);
	return rc;
}

int cmd_new(int argc, char **argv)
{
	struct common_opts c = { 0 };
	const char *shadow_url = NULL;
	bool gen = false;
	struct opt opts[] = {
		COMMON_DIR_OPTS(&c),
		OPT_BOOL(0, "from-schema", &gen, "write the migrations that take the migrations' schema to FILE's (the "
						 "argument after NAME; default $PGSHIFT_SCHEMA, else schema.sql beside the "
						 "migrations directory), each with its down.sql"),
		SHADOW_OPT(&shadow_url),
		COMMON_CONN_OPTS(&c),
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
	if (n == 0 || (n > 1 && !gen)) {
		if (n)
			err_set(&err, EXIT_USAGE, "unexpected argument \"%s\"", argv[1]);
		else
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
	if (gen) {
		rc = from_schema(&c, shadow_url, n > 1 ? argv[1] : NULL, dir, layout, name);
		goto out;
	}
	if (fs_mkdir_p(dir, 0755, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	pick_version(dir, layout, &now, version);
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
