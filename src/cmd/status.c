/*
 * status: every migration with its state, applied time and duration.
 *
 * Exit 0 when everything is applied, 4 when something is pending (pending,
 * rolled back, out of order, or running under a deploy that holds the lock),
 * 5 when the history has a problem (failed, modified, missing) or an index
 * is invalid (a concurrent build that failed; listed first, with the fix;
 * one being built right now is listed, not counted).  Read-only:
 * it never creates the history table.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "core/edit.h"
#include "run/deploy.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"

static const char usage[] = "pgshift status [options]";

static enum out_colour state_colour(enum mstate s)
{
	switch (s) {
	case ST_APPLIED: return C_GREEN;
	case ST_PENDING: case ST_ROLLED_BACK: case ST_OUT_OF_ORDER: case ST_RUNNING: return C_YELLOW;
	default: return C_RED;
	}
}

static const char *json_state(enum mstate s)
{
	static const char *names[] = {
		[ST_APPLIED] = "applied", [ST_PENDING] = "pending", [ST_FAILED] = "failed",
		[ST_ROLLED_BACK] = "rolled_back", [ST_MODIFIED] = "modified",
		[ST_MISSING] = "missing", [ST_OUT_OF_ORDER] = "out_of_order", [ST_RUNNING] = "running",
	};
	return names[s];
}

/* Invalid indexes that are not being built right now: a problem to fix, as a failed migration is. */
static size_t broken_indexes(const struct invalid_indexes *ix)
{
	size_t n = 0;

	for (size_t i = 0; i < ix->n; i++)
		n += !ix->items[i].builder_pid;
	return n;
}

static int exit_code(const struct plan *p, const struct invalid_indexes *ix)
{
	if (p->count[ST_FAILED] || p->count[ST_MODIFIED] || p->count[ST_MISSING] || broken_indexes(ix))
		return EXIT_HISTORY;
	if (p->count[ST_PENDING] || p->count[ST_ROLLED_BACK] || p->count[ST_OUT_OF_ORDER] || p->count[ST_RUNNING])
		return EXIT_PENDING;
	return EXIT_OK;
}

static void print_json(const struct plan *p, const size_t *resume, const struct target *t,
		       const struct history_table *ht, const char *holder, const struct invalid_indexes *ix)
{
	json_t *root = json_object(), *list = json_array(), *counts = json_object(), *indexes = json_array();

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];
		json_t *m = json_object();

		json_object_set_new(m, "name", json_string(e->name));
		json_object_set_new(m, "state", json_string(json_state(e->state)));
		json_object_set_new(m, "checksum", e->mig ? json_string(e->mig->checksum) : json_null());
		json_object_set_new(m, "applied_checksum", e->row ? json_string(e->row->checksum) : json_null());
		json_object_set_new(m, "started_at", e->row && e->row->started_at ? json_string(e->row->started_at) : json_null());
		json_object_set_new(m, "applied_at", e->row && e->row->finished_at ? json_string(e->row->finished_at) : json_null());
		json_object_set_new(m, "rolled_back_at",
				    e->row && e->row->rolled_back_at ? json_string(e->row->rolled_back_at) : json_null());
		json_object_set_new(m, "duration_ms",
				    e->row && e->row->duration_ms >= 0 ? json_integer(e->row->duration_ms) : json_null());
		json_object_set_new(m, "applied_steps_count", e->row ? json_integer(e->row->applied_steps_count) : json_null());
		json_object_set_new(m, "logs", e->row && e->row->logs ? json_string(e->row->logs) : json_null());
		json_object_set_new(m, "has_down", json_boolean(e->mig && e->mig->down_path && !e->mig->down_empty));
		json_object_set_new(m, "resume_at", resume[i] ? json_integer((json_int_t)resume[i]) : json_null());
		if (e->state == ST_MODIFIED) {
			static const char *kinds[] = { [EDIT_UNKNOWN] = "unknown", [EDIT_LAYOUT] = "whitespace_or_comments",
						       [EDIT_SQL] = "sql" };
			struct buf found = BUF_INIT;

			json_object_set_new(m, "edit", json_string(kinds[edit_classify(e->mig, e->row->checksum, &found)]));
			buf_release(&found);
		}
		json_array_append_new(list, m);
	}
	for (int s2 = 0; s2 < ST__COUNT; s2++)
		json_object_set_new(counts, json_state((enum mstate)s2), json_integer((json_int_t)p->count[s2]));
	json_object_set_new(root, "database", json_string(t->display));
	json_object_set_new(root, "history_table", json_sprintf("%s.%s", ht->schema, ht->table));
	json_object_set_new(root, "migrations", list);
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "lock_holder", holder ? json_string(holder) : json_null());
	for (size_t i = 0; i < ix->n; i++) {
		const struct invalid_index *x = &ix->items[i];
		char *fix = common_index_fix(x);

		json_array_append_new(indexes, json_pack("{s:s, s:s, s:b, s:o, s:s}", "index", x->qualified, "table",
							 x->table, "reindex_leftover", x->leftover, "being_built_by",
							 x->builder_pid ? json_integer(x->builder_pid) : json_null(),
							 "fix", fix));
		free(fix);
	}
	json_object_set_new(root, "invalid_indexes", indexes);
	json_object_set_new(root, "up_to_date", json_boolean(exit_code(p, ix) == EXIT_OK));
	common_print_json(root);
}

/* Every invalid index, each with the commands that fix it. */
static void print_indexes(const struct invalid_indexes *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		const struct invalid_index *x = &ix->items[i];
		char *fix = common_index_fix(x);

		out_printf("%sinvalid index%s %s on %s: %s\n", out_c(x->builder_pid ? C_YELLOW : C_RED), out_reset(),
			   x->qualified, x->table, common_index_cause(x));
		if (x->builder_pid)
			out_hint("backend pid %ld is building an index on %s; it is valid once the build ends", x->builder_pid,
				 x->table);
		else if (x->leftover)
			out_hint("drop it: %s", fix);
		else
			out_hint("queries do not use it, yet writes may still maintain it; fix: %s; when a failed migration "
				 "builds it, fix the cause and run \"pgshift deploy\": it drops the index and builds it again",
				 fix);
		free(fix);
	}
}

/* What the edit of a modified migration changed (parse trees compared with the text that ran) and the way out. */
static void modified_hint(const struct plan_entry *e)
{
	struct buf found = BUF_INIT, what = BUF_INIT;
	enum edit_kind k = edit_classify(e->mig, e->row->checksum, &found);

	edit_describe(k, found.data, &what);
	out_printf("%s was edited after it was applied: %s\n", e->name, what.data);
	if (k == EDIT_LAYOUT)
		out_hint("after review, record the edited file with \"pgshift resolve --accept-edit %s\"", e->name);
	else
		out_hint("restore it and put the change in a new migration; if the database already has the change "
			 "(made by hand), after review run \"pgshift resolve --accept-edit %s\"", e->name);
	buf_release(&found);
	buf_release(&what);
}

static void print_text(const struct plan *p, const size_t *resume, const struct target *t,
		       const struct history_table *ht, const char *holder, const struct invalid_indexes *ix)
{
	out_printf("%sdatabase%s %s\n", out_c(C_BOLD), out_reset(), t->display);
	print_indexes(ix);
	if (!p->n) {
		out_printf("no migrations\n");
		return;
	}
	int width = 0;

	for (size_t i = 0; i < p->n; i++)
		if ((int)strlen(p->entries[i].name) > width)
			width = (int)strlen(p->entries[i].name);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];
		struct buf when = BUF_INIT, name = BUF_INIT;

		if (e->row && e->row->finished_at && (e->state == ST_APPLIED || e->state == ST_MODIFIED ||
						       e->state == ST_MISSING)) {
			buf_addf(&when, "%s", e->row->finished_at);
			if (e->row->duration_ms >= 0)
				buf_addf(&when, " (%ld ms)", e->row->duration_ms);
		} else if (e->row && (e->state == ST_FAILED || e->state == ST_RUNNING)) {
			buf_addf(&when, "started %s, %d step%s done", e->row->started_at ? e->row->started_at : "?",
				 e->row->applied_steps_count, e->row->applied_steps_count == 1 ? "" : "s");
		} else if (e->row && e->state == ST_ROLLED_BACK && e->row->rolled_back_at) {
			buf_addf(&when, "rolled back %s", e->row->rolled_back_at);
		}
		buf_add_visible(&name, e->name, strlen(e->name), false);	/* a history row's name may hold anything */
		out_printf("  %s%-12s%s %-*s%s%s\n", out_c(state_colour(e->state)), mstate_name(e->state), out_reset(),
			   when.len ? width : 0, name.data, when.len ? "  " : "", when.data);
		buf_release(&when);
		buf_release(&name);
	}
	out_printf("\n%zu applied, %zu pending", p->count[ST_APPLIED],
		   p->count[ST_PENDING] + p->count[ST_ROLLED_BACK] + p->count[ST_OUT_OF_ORDER]);
	if (p->count[ST_RUNNING])
		out_printf(", %zu running", p->count[ST_RUNNING]);
	if (p->count[ST_FAILED] || p->count[ST_MODIFIED] || p->count[ST_MISSING])
		out_printf(", %zu failed, %zu modified, %zu missing", p->count[ST_FAILED], p->count[ST_MODIFIED],
			   p->count[ST_MISSING]);
	out_printf("\n");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];
		if (e->state == ST_FAILED && resume[i])
			out_hint("%s stopped at statement %zu (statements before it stay applied); fix what made it fail, "
				 "then run \"pgshift deploy\": it resumes there", e->name, resume[i]);
		else if (e->state == ST_FAILED)
			out_hint("%s failed; after checking what it left behind, run \"pgshift resolve --rolled-back %s\" "
				 "to run it again or \"pgshift resolve --applied %s\" if it was finished by hand",
				 e->name, e->name, e->name);
		else if (e->state == ST_MODIFIED)
			modified_hint(e);
		else if (e->state == ST_MISSING)
			out_hint("%s is in the history but not on disk; restore it from version control", e->name);
		else if (e->state == ST_OUT_OF_ORDER)
			out_hint("%s is older than the newest applied migration (%s), so deploy refuses it: give it a newer "
				 "version (rename its directory), or run \"pgshift deploy --allow-out-of-order\" (or set "
				 "PGSHIFT_ALLOW_OUT_OF_ORDER=1) if the order does not matter", e->name, p->newest_applied);
		if (e->state == ST_FAILED && e->row && e->row->logs) {
			/* the logs come from the history table: each of their lines is a detail line */
			for (const char *l = e->row->logs; *l;) {
				size_t n = strcspn(l, "\n");
				out_eprintf("detail: %.*s\n", (int)n, l);
				l += n + (l[n] == '\n');
			}
		}
	}
	if (holder) {
		/* Said even with no row in progress: a transactional migration writes its row at commit. */
		struct buf who = BUF_INIT;

		buf_add_visible(&who, holder, strlen(holder), false);
		out_printf("in progress: the migration lock (advisory lock %lld) is held by %s\n",
			   history_lock_key(ht), who.data);
		buf_release(&who);
		out_hint("a deploy, rollback or resolve is at work; run status again when it is done");
	} else if (exit_code(p, ix) == EXIT_PENDING && !p->count[ST_OUT_OF_ORDER]) {
		out_hint("run \"pgshift deploy\" to apply the pending migrations");
	}
}

/* Reads the invalid indexes while the migrations are still being scanned. */
static int read_indexes(PGconn *conn, void *ctx, struct pgs_error *err)
{
	return db_invalid_indexes(conn, NULL, NULL, ctx, err);
}

int cmd_status(int argc, char **argv)
{
	struct common_opts c = { 0 };
	bool allow_ooo = false, ooo_env = false;
	struct opt opts[] = {
		COMMON_DIR_OPTS(&c),
		OPT_BOOL(0, "json", &c.json, "print the states as JSON"),
		OPT_BOOL(0, "allow-out-of-order", &allow_ooo, "show migrations older than the newest applied one as "
			 "pending, as deploy --allow-out-of-order sees them (or PGSHIFT_ALLOW_OUT_OF_ORDER=1)"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	struct invalid_indexes indexes = { NULL, 0 };
	size_t *resume;
	int rc;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if (common_env_bool("PGSHIFT_ALLOW_OUT_OF_ORDER", &ooo_env, &err) < 0)
		return common_fail(&err);
	allow_ooo |= ooo_env;
	/* read-only: status never creates the history table */
	if (session_open_checked(&ss, &c, true, 0, read_indexes, &indexes, &err) < 0) {
		invalid_indexes_free(&indexes);
		return common_fail(&err);
	}
	struct plan *plan = &ss.plan;

	if (allow_ooo)
		plan_allow_out_of_order(plan);
	if (gha_active()) {
		struct buf md = BUF_INIT;

		buf_addf(&md, "### pgshift status\n\n| migration | state | applied |\n| --- | --- | --- |\n");
		for (size_t i = 0; i < plan->n; i++)
			buf_addf(&md, "| `%s` | %s | %s |\n", plan->entries[i].name, mstate_name(plan->entries[i].state),
				 plan->entries[i].row && plan->entries[i].row->finished_at ? plan->entries[i].row->finished_at : "");
		gha_summary(md.data);
		buf_release(&md);
	}
	/* where deploy resumes each failed migration that commits in steps (1-based; 0: it does not) */
	resume = xcalloc(plan->n + 1, sizeof(*resume));
	for (size_t i = 0; i < plan->n; i++)
		if (deploy_resumes(&plan->entries[i], db_server_version(ss.conn), &resume[i], NULL))
			resume[i]++;
	if (c.json)
		print_json(plan, resume, &ss.t, &ss.ht, ss.lock_holder, &indexes);
	else
		print_text(plan, resume, &ss.t, &ss.ht, ss.lock_holder, &indexes);
	rc = exit_code(plan, &indexes);
	free(resume);
	session_close(&ss);
	invalid_indexes_free(&indexes);
	return rc;
}
