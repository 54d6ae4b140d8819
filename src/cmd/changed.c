/*
 * changed: which migrations a push adds, edits or deletes (for CI's
 * "detects schema/migration changes"); the engine (the git runs, what the
 * history allows): run/changed.h.  This file holds the options and the
 * output: text, JSON, and under GitHub Actions changed=true|false in
 * $GITHUB_OUTPUT and a summary.  A refused edit or deletion exits 5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/events.h"
#include "run/changed.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"

static const char usage[] = "pgshift changed [--base REF|deployed] [--json] [--no-db] [--dir DIR] [--url URL]";

static const char *const change_words[] = { "added", "edited", "deleted" };

/* What the history says of an edited or deleted migration, in words. */
static const char *state_words(enum mstate s)
{
	switch (s) {
	case ST_PENDING:
		return "not applied yet";
	case ST_ROLLED_BACK:
		return "rolled back, not applied";
	case ST_FAILED:
		return "failed part-way, partly applied";
	default:
		return "applied";
	}
}

/* The names of the migrations of one kind of change (kind -1: the refused ones), as a JSON array. */
static json_t *names_json(const struct changed_result *r, int kind)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n; i++)
		if (kind < 0 ? r->migrations[i].refused : (int)r->migrations[i].change == kind)
			json_array_append_new(a, json_string(r->migrations[i].name));
	return a;
}

static void print_json(const struct changed_result *r)
{
	json_t *list = json_array(), *down = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct changed_migration *m = &r->migrations[i];

		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, s:b}", "name", m->name, "change",
						      change_words[m->change], "state",
						      r->with_db ? json_string(mstate_name(m->state)) : json_null(),
						      "applied", r->with_db ? json_boolean(m->applied) : json_null(),
						      "refused", m->refused));
	}
	for (size_t i = 0; i < r->n_down; i++)
		json_array_append_new(down, json_string(r->down[i]));
	common_print_json(json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "base", r->base, "directory",
				    r->dir, "changed", r->n > 0, "added", names_json(r, CHANGED_ADDED), "modified",
				    names_json(r, CHANGED_EDITED), "deleted", names_json(r, CHANGED_DELETED),
				    "down_changed", down, "migrations", list, "refused", names_json(r, -1), "database",
				    r->with_db ? json_string(r->database) : json_null()));
}

static void print_text(const struct changed_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct changed_migration *m = &r->migrations[i];

		if (r->with_db)
			out_printf("%-9s %s  (%s)\n", change_words[m->change], m->name, state_words(m->state));
		else
			out_printf("%-9s %s\n", change_words[m->change], m->name);
	}
	for (size_t i = 0; i < r->n_down; i++)
		out_printf("down.sql  %s\n", r->down[i]);
	if (!r->n)
		out_printf("no migration changes since %s\n", r->base);
}

/* Why the refused edits or deletions are refused, and what to do. */
static void print_refused(const struct changed_result *r)
{
	struct buf names = BUF_INIT;

	if (!r->with_db) {
		out_errorf("a migration that exists at %s was edited or deleted: applied history must not be rewritten",
			   r->base);
		out_hint("restore it (git checkout %s -- %s/NAME) and put the change in a new migration", r->base, r->dir);
		out_hint("a migration that was never applied may be fixed in place: run changed with the database "
			 "configured (--url or DATABASE_URL_UNPOOLED), which reads what is applied");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->migrations[i].refused)
			buf_addf(&names, "%s%s", names.len ? ", " : "", r->migrations[i].name);
	out_errorf("%s %s applied to %s and was edited or deleted: applied history must not be rewritten", names.data,
		   r->refused == 1 ? "is" : "are", r->database);
	out_hint("restore it (git checkout %s -- %s/NAME) and put the change in a new migration", r->base, r->dir);
	for (size_t i = 0; i < r->n; i++)
		if (r->migrations[i].refused && r->migrations[i].state == ST_FAILED)
			out_hint("%s failed part-way and is partly applied: find out what it left behind, then "
				 "\"pgshift resolve --rolled-back %s\" before changing it", r->migrations[i].name,
				 r->migrations[i].name);
	buf_release(&names);
}

/* GitHub Actions: changed=true|false in $GITHUB_OUTPUT, and the list in the job summary. */
static void print_gha(const struct changed_result *r)
{
	struct buf md = BUF_INIT;

	gha_output("changed", r->n ? "true" : "false");
	buf_addf(&md, "### pgshift changed (since `%s`)\n\n", r->base);
	for (size_t i = 0; i < r->n; i++) {
		const struct changed_migration *m = &r->migrations[i];
		const char *change = change_words[m->change];

		buf_addf(&md, "- %s%s%s `%s`", m->refused ? "**" : "", change, m->refused ? "**" : "", m->name);
		if (r->with_db && m->change != CHANGED_ADDED)
			buf_addf(&md, " (%s%s)", state_words(m->state),
				 m->refused ? ": applied history must not be rewritten" : "");
		else if (m->refused)
			buf_adds(&md, " (applied history must not be rewritten)");
		buf_adds(&md, "\n");
	}
	gha_summary(md.data);
	buf_release(&md);
}

int cmd_changed(int argc, char **argv)
{
	struct common_opts c = { 0 };
	const char *base = NULL;
	bool no_db = false;
	struct opt opts[] = {
		OPT_STRING(0, "base", &base, "REF", "compare with this git ref, or \"deployed\": the commit of the last "
			   "successful deploy (default: origin/main, else HEAD~1, else the empty tree)"),
		OPT_BOOL(0, "json", &c.json, "print the result as JSON"),
		OPT_BOOL(0, "no-db", &no_db, "compare with git only, even with a database configured (every edit is refused)"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct cmd_events ev;
	struct changed_result r;
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	cmd_events_init(&ev, c.json, NULL);
	if (changed_run(&c, base, no_db, &r, &ev.sink, &err) < 0)
		return common_fail(&err);
	if (r.refused)
		rc = EXIT_HISTORY;
	if (c.json)
		print_json(&r);
	else
		print_text(&r);
	if (r.refused)
		print_refused(&r);
	if (gha_active())
		print_gha(&r);
	changed_result_free(&r);
	return rc;
}
