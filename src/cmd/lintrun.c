/*
 * lintrun: printing findings, shared by lint, deploy and review; and the
 * safety gate of deploy and rollback.
 */
#include "cmd/lintrun.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db/conn.h"
#include "db/exists.h"
#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"

static char *column_type(void *ctx, const char *schema, const char *table, const char *column)
{
	return db_column_type(ctx, schema, table, column);
}

static bool not_null(void *ctx, const char *schema, const char *table, const char *column)
{
	return db_not_null_proved(ctx, schema, table, column);
}

static char *foreign_key(void *ctx, const char *schema1, const char *table1, const char *schema2, const char *table2)
{
	return db_foreign_key(ctx, schema1, table1, schema2, table2);
}

static int exists(void *ctx, char kind, const char *schema, const char *name, const char *const *args)
{
	return db_object_exists(ctx, kind, schema, name, args);
}

void lint_catalog_lookups(struct lint_opts *o, PGconn *conn)
{
	o->column_type = column_type;
	o->not_null = not_null;
	o->foreign_key = foreign_key;
	o->exists = exists;
	o->lookup_ctx = conn;
}

int lint_output_check(const struct lint_output *o, struct pgs_error *err)
{
	if (o->format && strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "sarif")) {
		err_set(err, EXIT_USAGE, "unknown --format \"%s\"", o->format);
		err_hint(err, "use text, json or sarif");
		return -1;
	}
	return 0;
}

int lint_parse_version(const char *s, int *version, struct pgs_error *err)
{
	const char *dot = strchr(s, '.');
	char *major = xstrndup(s, dot ? (size_t)(dot - s) : strlen(s));
	long v = -1, minor;

	/* 9.0 to 9.6, 10 to 99, or a version number such as 150004 */
	if (dot)
		v = !strcmp(major, "9") && opts_parse_long(dot + 1, 0, 6, &minor) == 0 ? 90000 + minor * 100 : -1;
	else if (opts_parse_long(major, 10, 990000, &v) == 0 && v < 100)
		v *= 10000;
	free(major);
	if (v < 90000 || v > 990000)
		return err_set(err, EXIT_USAGE, "--pg-version needs a PostgreSQL major version from 9.0 to 99, such as 15, "
			       "not \"%s\"", s);
	*version = (int)v;
	return 0;
}


int lint_output_print(const struct lint_output *o, const struct findings *f)
{
	struct buf out = BUF_INIT;

	if (o->format && !strcmp(o->format, "json")) {
		lint_report_json(f, o->strict, &out);
	} else if (o->format && !strcmp(o->format, "sarif")) {
		lint_report_sarif(f, &out);
	} else {
		lint_report_text(f, out_colour_enabled(stdout), o->strict, &out);
		if (gha_active())
			lint_report_github(f, o->strict, &out);
	}
	out_puts(out.data);
	buf_release(&out);
	if (gha_active()) {
		struct buf md = BUF_INIT;

		buf_addf(&md, "### pgshift lint\n\n%zu finding%s\n", f->n, f->n == 1 ? "" : "s");
		for (size_t i = 0; i < f->n; i++)
			buf_addf(&md, "- %s `%s` %s:%d: %s%s\n", lint_blocks(&f->items[i], o->strict) ? "⛔" : "⚠️",
				 f->items[i].rule, f->items[i].file, f->items[i].line, f->items[i].message,
				 f->items[i].ack ? " (acknowledged)" : "");
		gha_summary(md.data);
		buf_release(&md);
	}
	return lint_exit_code(f, o->strict);
}

/* The review record of one migration: its acknowledged and approved findings, as JSON. */
static char *review_record(const struct findings *f, const char *name, bool approved)
{
	json_t *list = json_array();
	json_t *o;
	char *s;

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		if (!x->migration || strcmp(x->migration, name) || (!x->ack && !x->approved))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:o}", "rule", x->rule, "severity",
						      severity_name(x->sev), "line", x->line, "acknowledged",
						      x->ack ? json_string(x->ack) : json_null()));
	}
	if (!json_array_size(list) && !approved) {
		json_decref(list);
		return NULL;
	}
	o = json_pack("{s:b, s:o}", "approved", approved, "findings", list);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static bool approved(const struct gate_opts *o, const char *name)
{
	for (int i = 0; o->approve && i < o->approve->n; i++)
		if (!strcmp(o->approve->items[i], name))
			return true;
	return false;
}

int lint_gate(PGconn *conn, const struct gate_opts *o, struct gate_file *files, size_t n, struct pgs_error *err)
{
	struct lint_opts lo = { .pg_version = db_server_version(conn), .batch = true };
	struct lint_run run;
	struct buf blocked = BUF_INIT;
	int rc;

	lint_catalog_lookups(&lo, conn);
	lint_init(&run, &lo);
	for (size_t k = 0; k < n; k++) {
		lint_file(&run, files[k].path, files[k].sql, files[k].name);
		if (approved(o, files[k].name))
			lint_approve(&run, files[k].name);
	}
	for (int i = 0; o->approve && i < o->approve->n; i++) {
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= !strcmp(files[k].name, o->approve->items[i]);
		if (!found)
			out_warning("--approve %s: no %s has that name", o->approve->items[i],
				    o->down ? "migration to revert" : "pending migration");
	}
	rc = lint_exit_code(&run.out, o->strict);
	if (rc) {
		struct buf report = BUF_INIT;

		/* The report goes where a person reads it; with --json, stdout stays JSON. */
		lint_report_text(&run.out, out_colour_enabled(o->json ? stderr : stdout), o->strict, &report);
		if (o->json)
			out_eprintf("%s", report.data);
		else
			out_printf("%s", report.data);
		buf_release(&report);
		for (size_t i = 0; i < run.out.n; i++) {
			const struct finding *x = &run.out.items[i];
			if ((lint_blocks(x, o->strict) || x->sev == SEV_ERROR) && x->migration &&
			    !strstr(blocked.data, x->migration))
				buf_addf(&blocked, "%s%s", blocked.len ? ", " : "", x->migration);
		}
		if (rc == EXIT_FAILURE_) {
			err_set(err, EXIT_FAILURE_, "cannot %s: %s%s cannot be checked (see the errors above)",
				o->down ? "roll back" : "deploy", o->down ? "the down.sql of " : "", blocked.data);
			err_hint(err, "fix the SQL or the -- pgshift: directive; nothing was %s",
				 o->down ? "reverted" : "applied");
		} else {
			err_set(err, EXIT_BLOCKED, "%s blocked by the safety gate: %s%s %s review", o->down ? "rollback" : "deploy",
				o->down ? "the down.sql of " : "", blocked.data,
				strchr(blocked.data, ',') && !o->down ? "need" : "needs");
			if (o->down)
				err_hint(err, "nothing was reverted. After review of the findings above, approve with --approve "
					      "NAME, or acknowledge each finding in the down.sql: -- pgshift:allow RULE because: "
					      "REASON");
			else
				err_hint(err, "nothing was applied. After review (\"pgshift review\"), approve with --approve "
					      "NAME, or acknowledge each finding in the file: -- pgshift:allow RULE because: REASON");
		}
	} else {
		for (size_t k = 0; k < n; k++)
			files[k].review = review_record(&run.out, files[k].name, approved(o, files[k].name));
	}
	buf_release(&blocked);
	lint_free(&run);
	return rc ? -1 : 0;
}
