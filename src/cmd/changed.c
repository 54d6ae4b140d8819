/*
 * changed: which migrations a push adds, edits or deletes (for CI's
 * "detects schema/migration changes").
 *
 * Compares the migrations directory of the working tree (plus untracked
 * files) with a git ref.  Adding migrations is the normal case.  Editing or
 * deleting the migration.sql of one that exists at the ref rewrites history
 * when that migration is applied: with a database configured, the history
 * table says which are (read only: a SELECT, nothing created), so a
 * migration never applied there (pending, or rolled back) may be fixed;
 * an applied one, or one that failed part-way (partly applied), may not
 * (exit 5).  Without a database (or with --no-db) every edit or deletion is
 * refused.  --base deployed compares with the commit of the last successful
 * deploy (pgshift_deployments).  Under GitHub Actions it writes
 * changed=true|false to $GITHUB_OUTPUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "db/history.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"
#include "util/proc.h"

static const char usage[] = "pgshift changed [--base REF|deployed] [--json] [--no-db] [--dir DIR] [--url URL]";

/* Runs git; its exit status (-1: not run), with err set when that is not 0. */
static int git(char *const argv[], struct buf *out, struct pgs_error *err)
{
	struct buf e = BUF_INIT;
	int rc = proc_capture(argv, out, &e);

	if (rc != 0) {
		size_t n = e.len;
		while (n > 0 && e.data[n - 1] == '\n')
			e.data[--n] = '\0';
		err_set(err, EXIT_FAILURE_, "git %s failed: %s", argv[1], rc < 0 ? "git is not installed" : e.data);
		err_hint(err, "run it inside the repository, with the base ref fetched (actions/checkout: fetch-depth: 0)");
	}
	buf_release(&e);
	return rc;
}

/*
 * Resolves the --base the user gave to a commit id in *commit, so that git's
 * later argv holds an object id and never a value that git could read as an
 * option (--base=--output=FILE made `git diff` write FILE).  A name that is
 * not a commit is a usage error.
 */
static int resolve_base(const char *base, struct buf *commit, struct pgs_error *err)
{
	struct buf spec = BUF_INIT;
	int rc;

	buf_addf(&spec, "%s^{commit}", base);
	{
		/* -q: a name that does not resolve exits 1 and says nothing; other failures exit 128. */
		char *argv[] = { "git", "rev-parse", "--verify", "-q", "--end-of-options", spec.data, NULL };
		rc = git(argv, commit, err);
	}
	buf_release(&spec);
	if (rc == 1) {
		err_clear(err);
		err_set(err, EXIT_USAGE, "--base \"%s\" is not a commit in this repository", base);
		err_hint(err, "give a branch, tag or commit id (in CI fetch it first: actions/checkout with fetch-depth: 0)");
	}
	if (rc != 0)
		return -1;
	while (commit->len > 0 && commit->data[commit->len - 1] == '\n')
		commit->data[--commit->len] = '\0';
	return 0;
}

/* Adds name to list unless present. */
static void add_name(json_t *list, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(v), name))
			return;
	json_array_append_new(list, json_string(name));
}

/* path is "DIR/NAME/FILE": returns NAME (new string) and sets *file, or NULL. */
static char *split_path(const char *path, const char *dir, const char **file)
{
	size_t dl = strlen(dir);
	const char *rest, *slash;

	while (dl > 0 && dir[dl - 1] == '/')
		dl--;
	if (strncmp(path, dir, dl) || path[dl] != '/')
		return NULL;
	rest = path + dl + 1;
	slash = strchr(rest, '/');
	if (!slash)
		return NULL;
	*file = slash + 1;
	return xstrndup(rest, (size_t)(slash - rest));
}

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

/* Never applied: its edit or deletion rewrites nothing. */
static bool never_applied(enum mstate s)
{
	return s == ST_PENDING || s == ST_ROLLED_BACK;
}

/* The commit of the last successful deploy, for --base deployed (new string in *commit). */
static int deployed_base(PGconn *conn, const struct history_table *ht, struct buf *commit, char **when,
			 struct pgs_error *err)
{
	struct deployment d = { 0 };
	int r;

	if (!conn) {
		err_set(err, EXIT_USAGE, "--base deployed needs the database, where deployments are recorded");
		err_hint(err, "pass --url (or set DATABASE_URL_UNPOOLED) without --no-db, or give --base REF");
		return -1;
	}
	r = deployments_last_commit(conn, ht, &d, err);
	if (r == 0) {
		err_set(err, EXIT_USAGE, "--base deployed: no successful deploy with a git commit is recorded in "
			"%s.pgshift_deployments", deployments_schema(ht));
		err_hint(err, "pass --base REF (the commit the database was last deployed from); deploy records it "
			      "from PGSHIFT_GIT_COMMIT, GITHUB_SHA or git");
	}
	if (r > 0) {
		buf_adds(commit, d.git_commit);
		*when = xstrdup(d.finished_at);
	}
	deployment_free(&d);
	return r > 0 ? 0 : -1;
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
	struct buf diff = BUF_INIT, untracked = BUF_INIT, probe = BUF_INIT, commit = BUF_INIT, deployed = BUF_INIT;
	json_t *added = json_array(), *modified = json_array(), *deleted = json_array(), *down = json_array();
	json_t *list = json_array(), *refused = json_array();
	struct target t = { 0 };
	struct history hist = { 0 };
	struct history_table ht;
	PGconn *conn = NULL;
	char *dir = NULL, *deployed_at = NULL;
	enum layout layout;
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		goto out;
	migset_pick_dir(c.dir, &dir, &layout);
	common_history_table(&c, &ht);
	/* The history, read only, when a database is configured; none configured is the git-only check. */
	if (!no_db) {
		conn = common_connect_if_configured(&c, &t, &err);
		if (!conn && err.message) {
			err_hint(&err, "changed reads the history to allow fixing a migration that was never applied; "
				       "pass --no-db to compare with git only");
			rc = common_fail(&err);
			goto out;
		}
		if (conn && history_load(conn, &ht, &hist, &err) < 0) {
			rc = common_fail(&err);
			goto out;
		}
	}
	if (base && !strcmp(base, "deployed")) {
		if (deployed_base(conn, &ht, &deployed, &deployed_at, &err) < 0) {
			rc = common_fail(&err);
			goto out;
		}
		base = deployed.data;
		if (!c.json)
			out_printf("comparing with %s, the commit of the last successful deploy (%s)\n", base, deployed_at);
	}
	if (base && resolve_base(base, &commit, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	if (!base) {
		/* origin/main, else the previous commit, else (a first commit) the empty tree: everything is new */
		char *main_ref[] = { "git", "rev-parse", "--verify", "-q", "origin/main", NULL };
		char *prev[] = { "git", "rev-parse", "--verify", "-q", "HEAD~1", NULL };
		struct buf e = BUF_INIT;

		if (proc_capture(main_ref, &probe, &e) == 0)
			base = "origin/main";
		else if (proc_capture(prev, &probe, &e) == 0)
			base = "HEAD~1";
		else
			base = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";	/* git's empty tree */
		buf_release(&e);
	}
	{
		char *args[] = { "git", "--literal-pathspecs", "diff", "--name-status", "--no-renames",
				 commit.len ? commit.data : (char *)base, "--", dir, NULL };
		char *args2[] = { "git", "--literal-pathspecs", "ls-files", "--others", "--exclude-standard", "--", dir, NULL };
		if (git(args, &diff, &err) != 0 || git(args2, &untracked, &err) != 0) {
			rc = common_fail(&err);
			goto out;
		}
	}
	for (char *line = strtok(diff.data, "\n"); line; line = strtok(NULL, "\n")) {
		char status = line[0];
		const char *path = strchr(line, '\t'), *file;
		char *name = path ? split_path(path + 1, dir, &file) : NULL;

		if (!name)
			continue;
		if (!strcmp(file, "migration.sql"))
			add_name(status == 'A' ? added : status == 'D' ? deleted : modified, name);
		else if (!strcmp(file, "down.sql"))
			add_name(down, name);
		free(name);
	}
	for (char *line = strtok(untracked.data, "\n"); line; line = strtok(NULL, "\n")) {
		const char *file;
		char *name = split_path(line, dir, &file);
		if (name && !strcmp(file, "migration.sql"))
			add_name(added, name);
		free(name);
	}
	/* Each change, with what the history says of it; an edit or deletion of what may be applied is refused. */
	{
		json_t *kinds[3] = { added, modified, deleted };
		const char *words[3] = { "added", "edited", "deleted" };

		for (int k = 0; k < 3; k++) {
			size_t i;
			json_t *v;

			json_array_foreach(kinds[k], i, v) {
				const char *name = json_string_value(v);
				enum mstate st = conn ? plan_history_state(&hist, name, NULL) : ST_PENDING;
				bool refuse = k > 0 && (!conn || !never_applied(st));

				if (refuse)
					json_array_append_new(refused, json_string(name));
				json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, s:b}", "name", name, "change",
								      words[k], "state",
								      conn ? json_string(mstate_name(st)) : json_null(),
								      "applied", conn ? json_boolean(!never_applied(st)) : json_null(),
								      "refused", refuse));
			}
		}
	}
	if (json_array_size(refused))
		rc = EXIT_HISTORY;
	if (c.json) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "base", base, "directory", dir,
				      "changed",
				      json_array_size(added) + json_array_size(modified) + json_array_size(deleted) > 0,
				      "added", added, "modified", modified, "deleted", deleted, "down_changed", down,
				      "migrations", list, "refused", refused, "database",
				      conn ? json_string(t.display) : json_null());
		common_print_json(o);
	} else {
		size_t i;
		json_t *v;

		json_array_foreach(list, i, v) {
			const char *state = json_string_value(json_object_get(v, "state"));

			if (state)
				out_printf("%-9s %s  (%s)\n", json_string_value(json_object_get(v, "change")),
					   json_string_value(json_object_get(v, "name")),
					   state_words(plan_history_state(&hist, json_string_value(json_object_get(v, "name")), NULL)));
			else
				out_printf("%-9s %s\n", json_string_value(json_object_get(v, "change")),
					   json_string_value(json_object_get(v, "name")));
		}
		json_array_foreach(down, i, v)
			out_printf("down.sql  %s\n", json_string_value(v));
		if (!json_array_size(added) && !json_array_size(modified) && !json_array_size(deleted))
			out_printf("no migration changes since %s\n", base);
	}
	if (rc == EXIT_HISTORY && !conn) {
		out_errorf("a migration that exists at %s was edited or deleted: applied history must not be rewritten", base);
		out_hint("restore it (git checkout %s -- %s/NAME) and put the change in a new migration", base, dir);
		out_hint("a migration that was never applied may be fixed in place: run changed with the database "
			 "configured (--url or DATABASE_URL_UNPOOLED), which reads what is applied");
	} else if (rc == EXIT_HISTORY) {
		struct buf names = BUF_INIT;
		size_t i;
		json_t *v;

		json_array_foreach(refused, i, v)
			buf_addf(&names, "%s%s", names.len ? ", " : "", json_string_value(v));
		out_errorf("%s %s applied to %s and was edited or deleted: applied history must not be rewritten",
			   names.data, json_array_size(refused) == 1 ? "is" : "are", t.display);
		out_hint("restore it (git checkout %s -- %s/NAME) and put the change in a new migration", base, dir);
		json_array_foreach(refused, i, v)
			if (plan_history_state(&hist, json_string_value(v), NULL) == ST_FAILED)
				out_hint("%s failed part-way and is partly applied: find out what it left behind, then "
					 "\"pgshift resolve --rolled-back %s\" before changing it", json_string_value(v),
					 json_string_value(v));
		buf_release(&names);
	}
	if (gha_active()) {
		struct buf md = BUF_INIT;
		size_t i;
		json_t *v;

		gha_output("changed", json_array_size(added) + json_array_size(modified) + json_array_size(deleted)
					      ? "true" : "false");
		buf_addf(&md, "### pgshift changed (since `%s`)\n\n", base);
		json_array_foreach(list, i, v) {
			const char *name = json_string_value(json_object_get(v, "name"));
			const char *change = json_string_value(json_object_get(v, "change"));
			bool refuse = json_is_true(json_object_get(v, "refused"));

			buf_addf(&md, "- %s%s%s `%s`", refuse ? "**" : "", change, refuse ? "**" : "", name);
			if (conn && strcmp(change, "added"))
				buf_addf(&md, " (%s%s)", state_words(plan_history_state(&hist, name, NULL)),
					 refuse ? ": applied history must not be rewritten" : "");
			else if (refuse)
				buf_adds(&md, " (applied history must not be rewritten)");
			buf_adds(&md, "\n");
		}
		gha_summary(md.data);
		buf_release(&md);
	}
out:
	json_decref(added);
	json_decref(modified);
	json_decref(deleted);
	json_decref(down);
	json_decref(list);
	json_decref(refused);
	buf_release(&diff);
	buf_release(&untracked);
	buf_release(&probe);
	buf_release(&commit);
	buf_release(&deployed);
	history_free(&hist);
	db_close(conn);
	target_free(&t);
	free(deployed_at);
	free(dir);
	return rc;
}
