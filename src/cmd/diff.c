/*
 * diff: the SQL that takes the schema of one source to that of another.
 * This file owns the options and the output; run/sides.h reads the two
 * sources at the same time (a database URL as it is; SQL files or the
 * project's migrations loaded into a scratch database) and schema/diff.h
 * makes the plan.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "run/sides.h"
#include "util/fsutil.h"
#include "schema/diff.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift diff --from SRC --to SRC [--format sql|json] [--schema S]... [--shadow-url URL]\n"
			    "  SRC: a database URL, a .sql file or a directory of them, or \"migrations\"";

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
	struct sides_request req = { .c = &c, .sides = { { .which = "--from" }, { .which = "--to" } } };
	struct schema_model m[2] = { { 0 } };
	struct migset set = { 0 };
	struct history_table ht;
	struct diff_plan plan = { 0 };
	bool loaded = false;
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
	req.sides[0].src = from;
	req.sides[1].src = to;
	for (int i = 0; i < 2 && !err.message; i++) {
		struct diff_side *x = &req.sides[i];

		x->kind = shadow_source_kind(x->src);
		if (x->kind == SOURCE_SQL && !fs_is_file(x->src) && !fs_is_dir(x->src))
			err_set(&err, EXIT_USAGE, "%s %s: no such file or directory", x->which, x->src);
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
	req.shadow_url = shadow_url;
	req.set = &set;
	req.ht = &ht;
	req.f = &f;
	if (sides_load(&req, m, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	if (schema_diff_plan(&m[0], &m[1], &plan, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	not_compared = schema_unmodelled_phrase(&m[0], &m[1]);
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
	schema_model_free(&m[0]);
	schema_model_free(&m[1]);
	if (loaded)
		migset_free(&set);
	strlist_free(&schemas);
	return rc;
}
