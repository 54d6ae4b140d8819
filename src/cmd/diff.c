/*
 * diff: the SQL that takes the schema of one database to that of another
 * (schema/diff.h makes the plan; this file owns the options, the two
 * connections and the output).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "schema/diff.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift diff --from URL --to URL [--format sql|json] [--schema S]...";

/* Connects to url and reads its model. */
static int load(const struct common_opts *base, const char *url, const char *which, const struct schema_filter *f,
		struct schema_model *m, struct pgs_error *err)
{
	struct common_opts c = *base;
	struct target t = { 0 };
	PGconn *conn;
	int rc = -1;

	c.url = url;
	conn = common_connect(&c, &t, err);
	if (conn)
		rc = schema_load(conn, f, m, err);
	if (rc < 0)
		err_prefix(err, "%s: ", which);
	if (conn)
		PQfinish(conn);
	target_free(&t);
	return rc;
}

static void print_json(const struct diff_plan *p)
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
	common_print_json(root);
}

int cmd_diff(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct strlist schemas = { 0 };
	const char *from = NULL, *to = NULL, *format = "sql";
	struct opt opts[] = {
		OPT_STRING(0, "from", &from, "URL", "the database the SQL starts from (a database URL for now)"),
		OPT_STRING(0, "to", &to, "URL", "the database whose schema the SQL gives (a database URL for now)"),
		OPT_STRING(0, "format", &format, "FORMAT", "sql (default), or json: each statement with its kind, object, "
							  "transaction mode and hazards"),
		OPT_LIST(0, "schema", &schemas, "NAME", "compare only this schema (repeatable; default: every user schema)"),
		OPT_GROUP("connection"),
		OPT_BOOL(0, "insecure", &c.insecure, "do not add sslmode=require for a non-local host"),
		OPT_DURATION(0, "connect-timeout", &c.connect_timeout_ms, "DURATION", "give up connecting after this long (default 10s)"),
		OPT_STRING(0, "history-schema", &c.history_schema, "SCHEMA", "schema of the history table, left out of the comparison (default public)"),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct schema_filter f = { 0 };
	struct schema_model a = { 0 }, b = { 0 };
	struct diff_plan plan = { 0 };
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0) {
		strlist_free(&schemas);
		return rc;
	}
	if (!from || !to)
		err_set(&err, EXIT_USAGE, "pgshift diff needs --from and --to");
	else if (strcmp(format, "sql") && strcmp(format, "json"))
		err_set(&err, EXIT_USAGE, "--format must be sql or json, not \"%s\"", format);
	if (err.message) {
		err_hint(&err, "usage: %s", usage);
		strlist_free(&schemas);
		return common_fail(&err);
	}
	f.schemas = schemas.items;
	f.nschemas = (size_t)schemas.n;
	f.history_schema = c.history_schema && *c.history_schema ? c.history_schema : "public";
	if (load(&c, from, "--from", &f, &a, &err) < 0 || load(&c, to, "--to", &f, &b, &err) < 0 ||
	    schema_diff_plan(&a, &b, &plan, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	if (!strcmp(format, "json")) {
		print_json(&plan);
	} else if (plan.n) {
		struct buf sql = BUF_INIT;
		buf_addf(&sql, "-- pgshift diff: %zu statement%s in %zu migration%s\n\n", plan.n, plan.n == 1 ? "" : "s",
			 plan.migrations, plan.migrations == 1 ? "" : "s");
		diff_plan_sql(&plan, &sql);
		out_puts(sql.data);
		buf_release(&sql);
	}
out:
	diff_plan_free(&plan);
	schema_model_free(&a);
	schema_model_free(&b);
	strlist_free(&schemas);
	return rc;
}
