/*
 * drift: what the live database holds against what its history says it
 * should hold.  The migrations the target has applied are replayed, in the
 * order it applied them, into a scratch database (db/scratch.h,
 * db/replay.h); the models of both are read (schema/model.h) and every
 * object that is extra, missing or different is reported with both
 * definitions, then the SQL that would take the database back to what the
 * migrations make (schema/diff.h, from the live model to the replayed one).
 * Exit 0 without drift, 5 with.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "run/drift.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"

static const char usage[] = "pgshift drift [--url URL] [--shadow-url URL] [--schema S]... [--json]";

/* Everything schema_object_equal compares, as one text. */
static char *definition(const struct schema_object *o)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, o->create_sql ? o->create_sql : "");
	if (o->post_sql)
		buf_adds(&b, o->post_sql);
	if (o->comment_sql)
		buf_adds(&b, o->comment_sql);
	if (o->grant_sql)
		buf_adds(&b, o->grant_sql);
	return buf_detach(&b);
}

static const char *change_name(const struct drift_item *x)
{
	return !x->replayed ? "extra" : !x->live ? "missing" : "changed";
}

static const struct schema_object *either(const struct drift_item *x)
{
	return x->live ? x->live : x->replayed;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What differs between the two of a changed object: "definition, privileges". */
static void differs_in(const struct drift_item *x, struct buf *out)
{
	if (!same(x->live->create_sql, x->replayed->create_sql) || !same(x->live->post_sql, x->replayed->post_sql))
		buf_addf(out, "%sdefinition", out->len ? ", " : "");
	if (!same(x->live->comment_sql, x->replayed->comment_sql))
		buf_addf(out, "%scomments", out->len ? ", " : "");
	if (!same(x->live->grant_sql, x->replayed->grant_sql))
		buf_addf(out, "%sprivileges", out->len ? ", " : "");
}

/* A table's columns that differ: "column extra only in the database; column name differs". */
static void column_changes(const struct drift_item *x, struct buf *out)
{
	const struct schema_object *a = x->live, *b = x->replayed;

	for (size_t i = 0; i < a->nparts; i++) {
		const struct schema_part *q = NULL;
		for (size_t j = 0; j < b->nparts && !q; j++)
			if (!strcmp(a->parts[i].name, b->parts[j].name))
				q = &b->parts[j];
		if (!q)
			buf_addf(out, "%scolumn %s only in the database", out->len ? "; " : "", a->parts[i].name);
		else if (strcmp(a->parts[i].sql, q->sql))
			buf_addf(out, "%scolumn %s differs", out->len ? "; " : "", a->parts[i].name);
	}
	for (size_t j = 0; j < b->nparts; j++) {
		bool found = false;
		for (size_t i = 0; i < a->nparts && !found; i++)
			found = !strcmp(a->parts[i].name, b->parts[j].name);
		if (!found)
			buf_addf(out, "%scolumn %s missing from the database", out->len ? "; " : "", b->parts[j].name);
	}
}

/* Appends text with every line indented by four spaces. */
static void add_indented(struct buf *out, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		buf_adds(out, "    ");
		buf_add(out, p, len);
		buf_addc(out, '\n');
		p += len + (nl ? 1 : 0);
	}
}

/*
 * The SQL that takes the database to what its migrations make (from the
 * live model to the replayed one): a new string, or NULL (said as a
 * warning) when the plan cannot be made.
 */
static char *reconcile_sql(const struct drift *d)
{
	struct pgs_error err = PGS_ERROR_INIT;
	char *sql = drift_reconcile_sql(d, &err);

	if (!sql) {
		out_warning("no SQL to reconcile the database: %s", err.message);
		err_clear(&err);
	}
	return sql;
}

static void print_text(const struct drift *d, const struct target *t, const char *reconcile)
{
	struct buf out = BUF_INIT;

	if (!d->n) {
		out_printf("no drift: %s is what its %zu applied migration%s make (replayed in %s)\n", t->display,
			   d->migrations, d->migrations == 1 ? "" : "s", d->where);
		return;
	}
	buf_addf(&out, "drift: %zu difference%s between %s and its %zu applied migration%s (replayed in %s)\n",
		 d->n, d->n == 1 ? "" : "s", t->display, d->migrations, d->migrations == 1 ? "" : "s", d->where);
	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *x = &d->items[i];
		const struct schema_object *o = either(x);

		buf_addf(&out, "\n%s%s%s %s %s", out_c(C_RED), change_name(x), out_reset(), schema_kind_name(o->kind),
			 o->qname);
		if (!x->replayed) {
			buf_adds(&out, ": in the database, not made by the migrations\n");
		} else if (!x->live) {
			buf_adds(&out, ": made by the migrations, not in the database\n");
		} else {
			struct buf what = BUF_INIT;
			differs_in(x, &what);
			buf_addf(&out, ": its %s differ%s", what.data, strchr(what.data, ',') ? "" : "s");
			buf_reset(&what);
			if (x->live->kind == SCHEMA_KIND_TABLE)
				column_changes(x, &what);
			buf_addf(&out, "%s%s\n", what.len ? ": " : "", what.len ? what.data : "");
			buf_release(&what);
		}
		if (x->live) {
			char *def = definition(x->live);
			buf_adds(&out, "  in the database:\n");
			add_indented(&out, def);
			free(def);
		}
		if (x->replayed) {
			char *def = definition(x->replayed);
			buf_adds(&out, "  expected (made by the migrations):\n");
			add_indented(&out, def);
			free(def);
		}
	}
	if (reconcile && *reconcile)
		buf_addf(&out, "\nSQL that brings the database back to what its migrations make (review it: what it "
			       "drops is lost; or put the change in a new migration instead):\n\n%s", reconcile);
	out_puts(out.data);
	buf_release(&out);
}

static void print_json(const struct drift *d, const struct target *t, const char *reconcile,
		       const char *not_compared)
{
	json_t *list = json_array();
	json_t *o;

	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *x = &d->items[i];
		const struct schema_object *ob = either(x);
		char *live = x->live ? definition(x->live) : NULL;
		char *replayed = x->replayed ? definition(x->replayed) : NULL;
		json_t *item = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "change", change_name(x), "kind",
					 schema_kind_name(ob->kind), "name", ob->qname, "database", live, "expected",
					 replayed);

		if (x->live && x->replayed) {
			struct buf what = BUF_INIT;
			differs_in(x, &what);
			json_object_set_new(item, "differs_in", json_string(what.data));
			buf_reset(&what);
			if (x->live->kind == SCHEMA_KIND_TABLE)
				column_changes(x, &what);
			if (what.len)
				json_object_set_new(item, "columns", json_string(what.data));
			buf_release(&what);
		}
		json_array_append_new(list, item);
		free(live);
		free(replayed);
	}
	o = json_pack("{s:b, s:s, s:I, s:s, s:o, s:s?, s:s?}", "drift", d->n > 0, "target", t->display, "migrations",
		      (json_int_t)d->migrations, "replayed_in", d->where, "differences", list, "reconcile", reconcile,
		      "not_compared", not_compared);
	common_print_json(o);
}

/* Workflow annotations on standard output, and the step summary. */
static void report_github(const struct drift *d, const struct target *t, bool annotations)
{
	struct buf md = BUF_INIT, out = BUF_INIT;

	buf_addf(&md, "### pgshift drift\n\n");
	if (!d->n)
		buf_addf(&md, "No drift: `%s` is what its %zu applied migrations make.\n", t->display, d->migrations);
	else
		buf_addf(&md, "%zu difference%s between `%s` and its applied migrations:\n\n| change | kind | name |\n"
			      "| --- | --- | --- |\n", d->n, d->n == 1 ? "" : "s", t->display);
	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *x = &d->items[i];
		const struct schema_object *o = either(x);
		char *title = xasprintf("pgshift drift: %s %s", change_name(x), schema_kind_name(o->kind));
		char *msg = xasprintf("%s %s %s: %s", change_name(x), schema_kind_name(o->kind), o->qname,
				      !x->replayed ? "in the database, not made by the migrations"
				      : !x->live ? "made by the migrations, not in the database"
						 : "differs from what the migrations make");

		buf_addf(&md, "| %s | %s | `%s` |\n", change_name(x), schema_kind_name(o->kind), o->qname);
		if (annotations) {
			buf_adds(&out, "::error title=");
			gha_escape(&out, title, true);
			buf_adds(&out, "::");
			gha_escape(&out, msg, false);
			buf_addc(&out, '\n');
		}
		free(title);
		free(msg);
	}
	if (out.len)
		out_puts(out.data);
	gha_summary(md.data);
	buf_release(&md);
	buf_release(&out);
}

int cmd_drift(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct strlist schemas = { 0 };
	const char *shadow_url = NULL;
	struct opt opts[] = {
		SHADOW_OPT(&shadow_url),
		OPT_LIST(0, "schema", &schemas, "NAME", "compare only this schema (repeatable; default: every user schema)"),
		OPT_BOOL(0, "json", &c.json, "print the differences as JSON"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss = { 0 };
	struct schema_filter f = { 0 };
	struct drift d = { 0 };
	char *reconcile, *not_compared;
	int rc;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0) {
		strlist_free(&schemas);
		return rc;
	}
	if (session_open(&ss, &c, false, 0, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	f.schemas = schemas.items;
	f.nschemas = (size_t)schemas.n;
	f.history_schema = ss.ht.schema;
	if (drift_compute(&ss, &c, shadow_url, false, &f, &d, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	reconcile = d.n ? reconcile_sql(&d) : NULL;
	not_compared = schema_unmodelled_phrase(&d.live, &d.replayed);
	if (not_compared)
		out_warning("not compared, pgshift does not model them: %s", not_compared);
	if (c.json)
		print_json(&d, &ss.t, reconcile, not_compared);
	else
		print_text(&d, &ss.t, reconcile);
	free(reconcile);
	free(not_compared);
	if (gha_active())
		report_github(&d, &ss.t, !c.json);
	rc = d.n ? EXIT_HISTORY : EXIT_OK;
out:
	drift_free(&d);
	session_close(&ss);
	strlist_free(&schemas);
	return rc;
}
