/*
 * diff: the SQL that takes the schema of one source to that of another
 * (schema/diff.h makes the plan; this file owns the options, the sources
 * and the output).  A source is a database URL, read as it is, or SQL
 * files or the project's migrations, loaded into a scratch database
 * (run/shadow.h) one after the other, each dropped (or emptied) after its
 * model is read.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "run/shadow.h"
#include "util/fsutil.h"
#include "schema/diff.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift diff --from SRC --to SRC [--format sql|json] [--schema S]... [--shadow-url URL]\n"
			    "  SRC: a database URL, a .sql file or a directory of them, or \"migrations\"";

/*
 * One side of the diff.  A URL side keeps its connection (and target): the
 * first one is where a scratch database for the other side may be created.
 */
struct side {
	const char *src;
	const char *which;	/* "--from", "--to" */
	enum schema_source kind;
	struct schema_model m;
	PGconn *conn;
	struct target t;
};

/* Connects to a URL side and reads its model. */
static int load_url(const struct common_opts *base, struct side *x, const struct schema_filter *f,
		    struct pgs_error *err)
{
	struct common_opts c = *base;
	int rc = -1;

	c.url = x->src;
	x->conn = common_connect(&c, &x->t, err);
	if (x->conn)
		rc = schema_load(x->conn, f, &x->m, err);
	if (rc < 0)
		err_prefix(err, "%s: ", x->which);
	return rc;
}

/*
 * Loads a file or migrations side into a scratch database (on the server
 * of conn when it may hold one) and reads its model.
 */
static int load_scratch(const struct common_opts *c, const char *shadow_url, PGconn *conn, const struct target *t,
			const struct migset *set, const struct history_table *ht, struct side *x,
			const struct schema_filter *f, struct pgs_error *err)
{
	const struct migration **migs = NULL;
	struct shadow_fill fill = { 0 };
	int rc;

	if (x->kind == SOURCE_MIGRATIONS) {
		migs = xcalloc(set->n + 1, sizeof(*migs));
		for (size_t i = 0; i < set->n; i++)
			migs[i] = &set->items[i];
		fill = (struct shadow_fill){ NULL, ht, migs, set->n };
	} else {
		fill.sql_path = x->src;
	}
	rc = shadow_model(c, shadow_url, conn, t, &fill, f, &x->m, err);
	if (rc < 0 && err->code != EXIT_INTERRUPTED)
		err_prefix(err, "%s %s: ", x->which, x->src);
	free(migs);
	return rc;
}

static void print_json(const struct diff_plan *p, const char *not_compared)
{
	json_t *root = json_object(), *list = json_array();
	size_t m = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct diff_stmt *x = &p->stmts[i];
		json_t *h = json_array();

		m += x->new_migration;
		if (x->hazards & DIFF_DATA_LOSS)
			json_array_append_new(h, json_string("data_loss"));
		if (x->hazards & DIFF_REWRITE)
			json_array_append_new(h, json_string("table_rewrite"));
		if (x->hazards & DIFF_LOCK_STRONG)
			json_array_append_new(h, json_string("strong_lock"));
		if (x->hazards & DIFF_RECREATE)
			json_array_append_new(h, json_string("recreate"));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:o, s:s, s:o}", "sql", x->sql,
						      "kind", x->kind, "action", x->action, "object", x->object,
						      "in_transaction", x->in_transaction, "migration", (json_int_t)m,
						      "hazards", h, "lock", x->lock,
						      "comment", x->comment ? json_string(x->comment) : json_null()));
	}
	json_object_set_new(root, "statements", list);
	json_object_set_new(root, "migrations", json_integer((json_int_t)p->migrations));
	json_object_set_new(root, "not_compared", not_compared ? json_string(not_compared) : json_null());
	common_print_json(root);
}

int cmd_diff(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct strlist schemas = { 0 };
	const char *from = NULL, *to = NULL, *format = "sql", *shadow_url = NULL;
	struct opt opts[] = {
		OPT_STRING(0, "from", &from, "SRC", "the schema the SQL starts from: a database URL, a .sql file or a "
						   "directory of them, or \"migrations\" (all of the project's, replayed)"),
		OPT_STRING(0, "to", &to, "SRC", "the schema the SQL gives (a SRC as for --from)"),
		OPT_STRING(0, "format", &format, "FORMAT", "sql (default), or json: each statement with its kind, object, "
							  "transaction mode and hazards"),
		OPT_LIST(0, "schema", &schemas, "NAME", "compare only this schema (repeatable; default: every user schema)"),
		SHADOW_OPT(&shadow_url),
		COMMON_DIR_OPTS(&c),
		OPT_GROUP("connection"),
		OPT_BOOL(0, "insecure", &c.insecure, "do not add sslmode=require for a non-local host"),
		OPT_DURATION(0, "connect-timeout", &c.connect_timeout_ms, "DURATION", "give up connecting after this long (default 10s)"),
		OPT_STRING(0, "history-schema", &c.history_schema, "SCHEMA", "schema of the history table, left out of the comparison (default public)"),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct schema_filter f = { 0 };
	struct side sides[2] = { { .which = "--from" }, { .which = "--to" } };
	struct migset set = { 0 };
	struct history_table ht;
	struct diff_plan plan = { 0 };
	PGconn *conn = NULL;
	struct target t = { 0 }, *tp = NULL;
	bool scratch = false, loaded = false;
	char *not_compared = NULL;
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0) {
		strlist_free(&schemas);
		return rc;
	}
	if (!from || !to)
		err_set(&err, EXIT_USAGE, "pgshift diff needs --from and --to");
	else if (strcmp(format, "sql") && strcmp(format, "json"))
		err_set(&err, EXIT_USAGE, "--format must be sql or json, not \"%s\"", format);
	sides[0].src = from;
	sides[1].src = to;
	for (int i = 0; i < 2 && !err.message; i++) {
		struct side *x = &sides[i];

		x->kind = x->src ? shadow_source_kind(x->src) : SOURCE_URL;
		if (x->kind == SOURCE_SQL && !fs_is_file(x->src) && !fs_is_dir(x->src))
			err_set(&err, EXIT_USAGE, "%s %s: no such file or directory", x->which, x->src);
		scratch |= x->kind != SOURCE_URL;
		loaded |= x->kind == SOURCE_MIGRATIONS;
	}
	if (err.message) {
		err_hint(&err, "usage: %s", usage);
		strlist_free(&schemas);
		return common_fail(&err);
	}
	f.schemas = schemas.items;
	f.nschemas = (size_t)schemas.n;
	f.history_schema = c.history_schema && *c.history_schema ? c.history_schema : "public";
	common_history_table(&c, &ht);
	if (loaded && common_load(&c, &set, &err) < 0) {
		loaded = false;
		rc = common_fail(&err);
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		if (sides[i].kind != SOURCE_URL)
			continue;
		if (load_url(&c, &sides[i], &f, &err) < 0) {
			rc = common_fail(&err);
			goto out;
		}
		if (!conn) {
			conn = sides[i].conn;
			tp = &sides[i].t;
		}
	}
	if (scratch && !conn) {
		/* no URL side: a scratch database may be created on the server of the configured database */
		conn = common_connect_if_configured(&c, &t, &err);
		if (!conn && err.message) {
			rc = common_fail(&err);
			goto out;
		}
		tp = conn ? &t : NULL;
	}
	for (int i = 0; i < 2; i++) {
		if (sides[i].kind != SOURCE_URL &&
		    load_scratch(&c, shadow_url, conn, tp, &set, &ht, &sides[i], &f, &err) < 0) {
			rc = common_fail(&err);
			goto out;
		}
	}
	if (schema_diff_plan(&sides[0].m, &sides[1].m, &plan, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	not_compared = schema_unmodelled_phrase(&sides[0].m, &sides[1].m);
	if (not_compared)
		out_warning("not compared, pgshift does not model them: %s", not_compared);
	if (!strcmp(format, "json")) {
		print_json(&plan, not_compared);
	} else if (plan.n) {
		struct buf sql = BUF_INIT;
		buf_addf(&sql, "-- pgshift diff: %zu statement%s in %zu migration%s\n\n", plan.n, plan.n == 1 ? "" : "s",
			 plan.migrations, plan.migrations == 1 ? "" : "s");
		diff_plan_sql(&plan, &sql);
		out_puts(sql.data);
		buf_release(&sql);
	}
out:
	free(not_compared);
	diff_plan_free(&plan);
	for (int i = 0; i < 2; i++) {
		schema_model_free(&sides[i].m);
		if (sides[i].conn)
			db_close(sides[i].conn);
		target_free(&sides[i].t);
	}
	if (tp == &t)
		db_close(conn);
	target_free(&t);
	if (loaded)
		migset_free(&set);
	strlist_free(&schemas);
	return rc;
}
