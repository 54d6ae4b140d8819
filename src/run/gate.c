/*
 * gate: the safety gate of deploy and rollback (see gate.h).
 */
#include "run/gate.h"

#include <stdlib.h>
#include <string.h>

#include "db/exists.h"
#include "util/buf.h"
#include "util/exitcodes.h"

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

static bool approved(const struct gate_opts *o, const char *name)
{
	for (int i = 0; o->approve && i < o->approve->n; i++)
		if (!strcmp(o->approve->items[i], name))
			return true;
	return false;
}

int lint_gate(PGconn *conn, const struct gate_opts *o, struct gate_file *files, size_t n, const struct run_sink *sink,
	      struct pgs_error *err)
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
			run_notice(sink, RUN_WARNING, "--approve %s: no %s has that name", o->approve->items[i],
				    o->down ? "migration to revert" : "pending migration");
	}
	rc = lint_exit_code(&run.out, o->strict);
	if (rc) {
		run_emit(sink, &(struct run_event){ .kind = RUN_FINDINGS, .findings = &run.out });
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
			files[k].review = lint_review_record(&run.out, files[k].name, approved(o, files[k].name));
	}
	buf_release(&blocked);
	lint_free(&run);
	return rc ? -1 : 0;
}
