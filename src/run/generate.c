/*
 * generate: new --from-schema's migrations, each with its down SQL (see
 * generate.h).
 */
#include "run/generate.h"

#include <stdlib.h>
#include <string.h>

#include "db/reset.h"
#include "db/replay.h"
#include "run/shadow.h"
#include "schema/diff.h"
#include "util/exitcodes.h"

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
static void warn_not_compared(const struct run_sink *sink, const struct schema_model *a, const struct schema_model *b)
{
	char *what = schema_unmodelled_phrase(a, b);

	if (what)
		run_notice(sink, RUN_WARNING, "not compared, pgshift does not model them (write them by hand): %s", what);
	free(what);
}

/* A failure to open, fill or read the schema file's scratch names the file (-1). */
static int file_failed(const char *file, struct pgs_error *err)
{
	if (err->code != EXIT_INTERRUPTED)
		err_prefix(err, "%s", file);
	return -1;
}

/*
 * Reads want, the model of the schema file, and before, that of the
 * migrations replayed into *s (left open for the steps).  Two scratch
 * databases created for it are filled at the same time: the file's (*sf,
 * closed by the caller with *s) on a second thread, started as soon as it
 * exists, so that the second CREATE DATABASE runs beside its fill; a
 * shadow database the user named is filled with the file, read, emptied
 * and filled with the migrations (*sf stays closed).  When both fail, the
 * file's error is the one told; when the second database cannot be made,
 * the file's fill is cancelled and that is the error.
 */
static int fill(const struct generate_request *r, PGconn *conn, const struct target *t,
		const struct shadow_fill *migs, const struct schema_filter *f, struct scratch *s, struct scratch *sf,
		struct schema_model *want, struct schema_model *before, struct pgs_error *err)
{
	struct shadow_fill file = { .sql_path = r->file };
	struct shadow_load load;
	struct pgs_error ferr = PGS_ERROR_INIT;
	int rc;

	if (shadow_open(r->c, r->shadow_url, conn, t, false, sf, err) < 0)
		return file_failed(r->file, err);
	if (!sf->created) {
		*s = *sf;
		memset(sf, 0, sizeof(*sf));
		if (shadow_fill_db(s->conn, &file, err) < 0)
			return file_failed(r->file, err);
		if (schema_load(s->conn, f, want, err) < 0) {
			err_prefix(err, "reading the %s", s->where);
			return file_failed(r->file, err);
		}
		return db_empty_database(s->conn, err) < 0 || shadow_fill_db(s->conn, migs, err) < 0 ||
		       schema_load(s->conn, f, before, err) < 0 ? -1 : 0;
	}
	load = (struct shadow_load){ .s = sf, .fill = &file, .f = f, .m = want };
	shadow_load_start(&load);
	if (shadow_open(r->c, r->shadow_url, conn, t, false, s, err) < 0) {
		scratch_cancel(sf);
		shadow_load_finish(&load, &ferr);
		err_clear(&ferr);
		return -1;
	}
	rc = shadow_fill_db(s->conn, migs, err) < 0 || schema_load(s->conn, f, before, err) < 0 ? -1 : 0;
	if (shadow_load_finish(&load, &ferr) < 0) {
		err_clear(err);
		*err = ferr;
		return file_failed(r->file, err);
	}
	return rc;
}

/* Runs step st of the plan in conn and reads the model after it into *after (from *before), filling st->down. */
static int run_step(PGconn *conn, const struct diff_plan *plan, struct generate_step *st, size_t k,
		    const struct schema_filter *f, const struct schema_model *before, const struct schema_model *want,
		    struct schema_model *after, struct pgs_error *err)
{
	const char **sql = xcalloc(st->end - st->first + 1, sizeof(*sql));
	const char **tables;
	char *what = xasprintf("generated migration %zu of %zu", k, plan->migrations);
	size_t ntables;
	int r;

	for (size_t i = st->first; i < st->end; i++)
		sql[i - st->first] = plan->stmts[i].sql;
	r = replay_statements(conn, sql, st->end - st->first, st->in_transaction, what, err);
	free(sql);
	free(what);
	if (r < 0)
		return -1;
	if (scratch_interrupted())
		return err_set(err, EXIT_INTERRUPTED, "interrupted");
	if (step_tables(plan, st->first, st->end, before, want, &tables, &ntables))
		r = schema_load_tables(conn, f, before, tables, ntables, after, err);
	else
		r = schema_load(conn, f, after, err);
	free(tables);
	return r < 0 ? -1 : schema_down_sql(after, before, &st->down, err);
}

int generate_from_schema(const struct generate_request *r, struct generated *g, struct pgs_error *err)
{
	struct target t = { 0 };
	PGconn *conn;
	struct schema_filter f = { .history_schema = r->ht->schema };
	struct schema_model want = { 0 }, before = { 0 }, after = { 0 };
	const struct migration **list = xcalloc(r->set->n + 1, sizeof(*list));
	struct shadow_fill migs = { NULL, r->ht, list, r->set->n };
	struct scratch s = { 0 }, sf = { 0 };
	struct scratch *open[2];
	size_t nopen = 0;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < r->set->n; i++)
		list[i] = &r->set->items[i];
	conn = common_connect_if_configured(r->c, &t, err);
	if (!conn && err->message)
		goto out;
	if (fill(r, conn, conn ? &t : NULL, &migs, &f, &s, &sf, &want, &before, err) < 0 ||
	    schema_diff_plan(&before, &want, &g->plan, err) < 0)
		goto close;
	warn_not_compared(r->sink, &before, &want);
	g->steps = xcalloc(g->plan.migrations + 1, sizeof(*g->steps));
	for (size_t i = 0; i < g->plan.n; i++) {
		struct generate_step *st;

		if (g->plan.stmts[i].new_migration) {
			st = &g->steps[g->n++];
			st->first = i;
			st->in_transaction = g->plan.stmts[i].in_transaction;
		}
		st = &g->steps[g->n - 1];
		st->end = i + 1;
		if (i + 1 < g->plan.n && !g->plan.stmts[i + 1].new_migration)
			continue;
		if (run_step(s.conn, &g->plan, st, g->n, &f, &before, &want, &after, err) < 0)
			goto close;
		schema_model_free(&before);
		before = after;
		memset(&after, 0, sizeof(after));
	}
	if (g->plan.n) {
		/* what the migrations made, read whole, to say what still differs */
		schema_model_free(&before);
		if (schema_load(s.conn, &f, &before, err) < 0)
			goto close;
		g->left = schema_compare(&before, &want, name_left, &g->left_names);
	}
	rc = 0;
close:
	/* both at once: the file's scratch was kept for it (scratch_close_all says why) */
	if (s.conn)
		open[nopen++] = &s;
	if (sf.conn)
		open[nopen++] = &sf;
	if (nopen)
		rc = shadow_close_all(open, nopen, rc, err);
out:
	schema_model_free(&want);
	schema_model_free(&before);
	schema_model_free(&after);
	if (conn)
		db_close(conn);
	target_free(&t);
	free(list);
	return rc;
}

void generate_free(struct generated *g)
{
	for (size_t k = 0; k < g->n; k++)
		buf_release(&g->steps[k].down);
	free(g->steps);
	buf_release(&g->left_names);
	diff_plan_free(&g->plan);
	memset(g, 0, sizeof(*g));
}

/* pgshift down NAME: the migrations up to migs[n - 1] replayed in a scratch, read before and after the last. */
int generate_down(const struct common_opts *c, const char *shadow_url, const struct history_table *ht,
		  const struct migration *const *migs, size_t n, struct buf *out, struct pgs_error *err)
{
	struct target t = { 0 };
	PGconn *conn = common_connect_if_configured(c, &t, err);
	struct schema_filter f = { .history_schema = ht->schema };
	struct schema_model before = { 0 }, after = { 0 };
	struct shadow_fill fill = { NULL, ht, migs, n - 1 };
	struct scratch s = { 0 };
	int rc = -1;

	if (!conn && err->message)
		goto out;
	if (shadow_open(c, shadow_url, conn, conn ? &t : NULL, false, &s, err) < 0)
		goto out;
	if (shadow_fill_db(s.conn, &fill, err) == 0 && schema_load(s.conn, &f, &before, err) == 0) {
		fill = (struct shadow_fill){ NULL, ht, migs + n - 1, 1 };
		if (shadow_fill_db(s.conn, &fill, err) == 0 && schema_load(s.conn, &f, &after, err) == 0)
			rc = schema_down_sql(&after, &before, out, err);
	}
	rc = shadow_close(&s, rc, err);
out:
	schema_model_free(&before);
	schema_model_free(&after);
	db_close(conn);
	target_free(&t);
	return rc;
}
