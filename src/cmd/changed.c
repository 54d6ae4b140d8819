/*
 * changed: which migrations a push adds, modifies or deletes (for CI's
 * "detects schema/migration changes").
 *
 * Compares the migrations directory of the working tree (plus untracked
 * files) with a git ref.  Adding migrations is the normal case; editing or
 * deleting the migration.sql of one that exists at the ref rewrites applied
 * history and is an error (exit 5).  Under GitHub Actions it writes
 * changed=true|false to $GITHUB_OUTPUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"
#include "util/proc.h"

static const char usage[] = "pgshift changed [--base REF] [--json] [--dir DIR]";

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

int cmd_changed(int argc, char **argv)
{
	struct common_opts c = { 0 };
	const char *base = NULL;
	struct opt opts[] = {
		OPT_STRING(0, "base", &base, "REF", "compare with this git ref (default: origin/main, else HEAD~1, else the empty tree)"),
		OPT_BOOL(0, "json", &c.json, "print the result as JSON"),
		COMMON_DIR_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf diff = BUF_INIT, untracked = BUF_INIT, probe = BUF_INIT, commit = BUF_INIT;
	json_t *added = json_array(), *modified = json_array(), *deleted = json_array(), *down = json_array();
	char *dir;
	enum layout layout;
	int rc = EXIT_OK;
	int n = opts_parse(argc, argv, opts, usage, &err);

	if (n > 0) {
		err_set(&err, EXIT_USAGE, "unexpected argument \"%s\"", argv[0]);
		n = -1;
	}
	if (n < 0) {
		json_decref(added);
		json_decref(modified);
		json_decref(deleted);
		json_decref(down);
		return n == -2 ? EXIT_OK : common_fail(&err);
	}
	migset_pick_dir(c.dir, &dir, &layout);
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
	if (json_array_size(modified) || json_array_size(deleted))
		rc = EXIT_HISTORY;
	if (c.json) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:O, s:O, s:O, s:O}", "base", base, "directory", dir, "changed",
				      json_array_size(added) + json_array_size(modified) + json_array_size(deleted) > 0,
				      "added", added, "modified", modified, "deleted", deleted, "down_changed", down);
		char *s = json_dumps(o, JSON_INDENT(2));
		out_printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		size_t i;
		json_t *v;

		json_array_foreach(added, i, v)
			out_printf("added     %s\n", json_string_value(v));
		json_array_foreach(modified, i, v)
			out_printf("modified  %s\n", json_string_value(v));
		json_array_foreach(deleted, i, v)
			out_printf("deleted   %s\n", json_string_value(v));
		json_array_foreach(down, i, v)
			out_printf("down.sql  %s\n", json_string_value(v));
		if (!json_array_size(added) && !json_array_size(modified) && !json_array_size(deleted))
			out_printf("no migration changes since %s\n", base);
	}
	if (rc == EXIT_HISTORY) {
		out_errorf("a migration that exists at %s was edited or deleted: applied history must not be rewritten", base);
		out_hint("restore it (git checkout %s -- %s/NAME) and put the change in a new migration", base, dir);
	}
	if (gha_active()) {
		struct buf md = BUF_INIT;
		size_t i;
		json_t *v;

		gha_output("changed", json_array_size(added) + json_array_size(modified) + json_array_size(deleted)
					      ? "true" : "false");
		buf_addf(&md, "### pgshift changed (since `%s`)\n\n", base);
		json_array_foreach(added, i, v)
			buf_addf(&md, "- added `%s`\n", json_string_value(v));
		json_array_foreach(modified, i, v)
			buf_addf(&md, "- **modified** `%s` (applied history must not be rewritten)\n", json_string_value(v));
		json_array_foreach(deleted, i, v)
			buf_addf(&md, "- **deleted** `%s`\n", json_string_value(v));
		gha_summary(md.data);
		buf_release(&md);
	}
out:
	json_decref(added);
	json_decref(modified);
	json_decref(deleted);
	json_decref(down);
	buf_release(&diff);
	buf_release(&untracked);
	buf_release(&probe);
	buf_release(&commit);
	free(dir);
	return rc;
}
