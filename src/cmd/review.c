/*
 * review: the manual-review report for the pending migrations, as markdown.
 *
 * For each migration: whether it needs approval, its statements with their
 * lock levels and findings, the safe alternatives, whether a down.sql
 * exists, and the command that approves it.  Printed, and under GitHub
 * Actions appended to $GITHUB_STEP_SUMMARY.  Exit codes as lint's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/lintrun.h"
#include "core/script.h"
#include "lint/lint.h"
#include "run/gate.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"

static const char usage[] = "pgshift review [--strict] [--all] [options]";

/* Markdown table cells cannot hold | or newlines. */
static void add_cell(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_adds(b, "\\|");
		else if (*s == '\n')
			buf_addc(b, ' ');
		else
			buf_addc(b, *s);
	}
}

static void migration_section(struct buf *md, const struct migration *m, const struct findings *f, bool strict)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	size_t review = 0, warning = 0, blocking = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (!f->items[i].migration || strcmp(f->items[i].migration, m->name))
			continue;
		review += f->items[i].sev == SEV_REVIEW;
		warning += f->items[i].sev == SEV_WARNING;
		blocking += lint_blocks(&f->items[i], strict) || f->items[i].sev == SEV_ERROR;
	}
	buf_addf(md, "\n## `%s`\n\n", m->name);
	if (blocking)
		buf_addf(md, "**Needs approval**: %zu finding%s block%s the deploy.\n\n", blocking, blocking == 1 ? "" : "s",
			 blocking == 1 ? "s" : "");
	else
		buf_addf(md, "No blocking findings (%zu review acknowledged, %zu warning%s).\n\n", review, warning,
			 warning == 1 ? "" : "s");
	buf_addf(md, "- file: `%s`\n", m->sql_path);
	if (m->down_path && !m->down_empty)
		buf_addf(md, "- rollback: `%s` exists (`pgshift rollback` can revert it)\n", m->down_path);
	else
		buf_adds(md, "- rollback: **no down.sql**: it cannot be reverted with `pgshift rollback`\n");
	if (blocking)
		buf_addf(md, "- approve after review: `pgshift deploy --approve %s`, or acknowledge each finding in the "
			     "file with `-- pgshift:allow RULE because: REASON`\n",
			 m->name);
	if (script_split(m->sql_path, m->sql.data, &s, &err) < 0) {
		buf_adds(md, "\n> cannot be parsed: ");
		err_add_text(md, &err);
		buf_adds(md, "\n");
		err_clear(&err);
		return;
	}
	buf_adds(md, "\n| line | statement | lock | findings |\n| ---: | --- | --- | --- |\n");
	for (size_t i = 0; i < s.n; i++) {
		struct buf first = BUF_INIT, found = BUF_INIT;
		int from = s.stmts[i].line;
		int to = i + 1 < s.n ? s.stmts[i + 1].line - 1 : 1 << 30;

		script_first_line(m->sql.data, &s.stmts[i], &first, 80);
		for (size_t k = 0; k < f->n; k++) {
			const struct finding *x = &f->items[k];
			if (x->migration && !strcmp(x->migration, m->name) && x->line >= from && x->line <= to)
				buf_addf(&found, "%s%s %s%s", found.len ? "<br>" : "", x->sev == SEV_WARNING ? "⚠️" : "⛔",
					 x->rule, x->ack ? " (acknowledged)" : x->approved ? " (approved)" : "");
		}
		buf_addf(md, "| %d | `", from);
		add_cell(md, first.data);
		buf_adds(md, "` | ");
		add_cell(md, lint_lock_level(s.stmts[i].node));
		buf_addf(md, " | %s |\n", found.len ? found.data : "");
		buf_release(&first);
		buf_release(&found);
	}
	script_free(&s);
	for (size_t k = 0; k < f->n; k++) {
		const struct finding *x = &f->items[k];
		if (!x->migration || strcmp(x->migration, m->name))
			continue;
		buf_addf(md, "\n### %s `%s` at line %d\n\n%s\n\n- in production: %s\n", severity_name(x->sev), x->rule,
			 x->line, x->message, x->effect);
		if (x->ack)
			buf_addf(md, "- acknowledged in the file: %s\n", x->ack);
		if (x->sev != SEV_ERROR)
			buf_addf(md, "\nSafe alternative:\n\n```sql\n%s\n```\n", x->safe);
	}
}

int cmd_review(int argc, char **argv)
{
	struct common_opts c = { 0 };
	bool strict = false, all = false;
	struct opt opts[] = {
		OPT_BOOL(0, "strict", &strict, "warnings need approval too"),
		OPT_BOOL(0, "all", &all, "review every migration, not only the pending ones"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	struct lint_opts lo = { 0 };
	struct lint_run run;
	struct buf md = BUF_INIT;
	size_t npending = 0;
	int rc;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if (session_open(&ss, &c, false, 0, &err) < 0)
		return common_fail(&err);
	lo.pg_version = db_server_version(ss.conn);
	lo.batch = !all;
	lint_catalog_lookups(&lo, ss.conn);
	lint_init(&run, &lo);
	for (size_t i = 0; i < ss.plan.n; i++) {
		const struct plan_entry *e = &ss.plan.entries[i];
		if (e->mig && (all || plan_is_pending(e->state, true))) {
			lint_file(&run, e->mig->sql_path, e->mig->sql.data, e->name);
			npending++;
		}
	}
	rc = lint_exit_code(&run.out, strict);
	buf_addf(&md, "# Migration review\n\n%zu %s migration%s for `%s`: %s.\n", npending, all ? "" : "pending",
		 npending == 1 ? "" : "s", ss.t.display,
		 rc == EXIT_BLOCKED ? "**some need approval before they can be deployed**"
		 : rc == EXIT_FAILURE_ ? "**some cannot be parsed**"
			   : "nothing blocks the deploy");
	for (size_t i = 0; i < ss.plan.n; i++) {
		const struct plan_entry *e = &ss.plan.entries[i];
		if (e->mig && (all || plan_is_pending(e->state, true)))
			migration_section(&md, e->mig, &run.out, strict);
	}
	out_puts(md.data);
	gha_summary(md.data);
	buf_release(&md);
	lint_free(&run);
	session_close(&ss);
	return rc;
}
