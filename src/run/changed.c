/*
 * changed: the engine of pgshift changed (see changed.h): the git runs and
 * what the history says of each change.
 */
#include "run/changed.h"

#include <stdlib.h>
#include <string.h>

#include "db/history.h"
#include "util/exitcodes.h"
#include "util/proc.h"

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
 * Resolves the base the user gave to a commit id in *commit, so that git's
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

/* The names of one kind of change, in order, without repeats. */
struct names {
	char **v;
	size_t n;
};

/* Adds name (copied) to l unless present. */
static void add_name(struct names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], name))
			return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(name);
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

/* Never applied: its edit or deletion rewrites nothing. */
static bool never_applied(enum mstate s)
{
	return s == ST_PENDING || s == ST_ROLLED_BACK;
}

/* The commit of the last successful deploy, for --base deployed (in *commit, and when in *when: new string). */
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

/* Reads git's name-status lines and the untracked files of dir into the kinds of change and down. */
static void sort_changes(char *diff, char *untracked, const char *dir, struct names kinds[3], struct names *down)
{
	for (char *line = strtok(diff, "\n"); line; line = strtok(NULL, "\n")) {
		char status = line[0];
		const char *path = strchr(line, '\t'), *file;
		char *name = path ? split_path(path + 1, dir, &file) : NULL;

		if (!name)
			continue;
		if (!strcmp(file, "migration.sql"))
			add_name(&kinds[status == 'A' ? CHANGED_ADDED : status == 'D' ? CHANGED_DELETED : CHANGED_EDITED],
				 name);
		else if (!strcmp(file, "down.sql"))
			add_name(down, name);
		free(name);
	}
	for (char *line = strtok(untracked, "\n"); line; line = strtok(NULL, "\n")) {
		const char *file;
		char *name = split_path(line, dir, &file);
		if (name && !strcmp(file, "migration.sql"))
			add_name(&kinds[CHANGED_ADDED], name);
		free(name);
	}
}

int changed_run(const struct common_opts *c, const char *base, bool no_db, struct changed_result *r,
		const struct run_sink *sink, struct pgs_error *err)
{
	struct buf diff = BUF_INIT, untracked = BUF_INIT, probe = BUF_INIT, commit = BUF_INIT, deployed = BUF_INIT;
	struct names kinds[3] = { { 0 } }, down = { 0 };
	struct target t = { 0 };
	struct history hist = { 0 };
	struct history_table ht;
	PGconn *conn = NULL;
	char *deployed_at = NULL;
	enum layout layout;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	migset_pick_dir(c->dir, &r->dir, &layout);
	common_history_table(c, &ht);
	/* The history, read only, when a database is configured; none configured is the git-only check. */
	if (!no_db) {
		conn = common_connect_if_configured(c, &t, err);
		if (!conn && err->message) {
			err_hint(err, "changed reads the history to allow fixing a migration that was never applied; "
				      "pass --no-db to compare with git only");
			goto out;
		}
		if (conn && history_load(conn, &ht, &hist, err) < 0)
			goto out;
	}
	if (base && !strcmp(base, "deployed")) {
		if (deployed_base(conn, &ht, &deployed, &deployed_at, err) < 0)
			goto out;
		base = deployed.data;
		run_notice(sink, RUN_INFO, "comparing with %s, the commit of the last successful deploy (%s)", base,
			   deployed_at);
	}
	if (base && resolve_base(base, &commit, err) < 0)
		goto out;
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
				 commit.len ? commit.data : (char *)base, "--", r->dir, NULL };
		char *args2[] = { "git", "--literal-pathspecs", "ls-files", "--others", "--exclude-standard", "--", r->dir,
				  NULL };
		if (git(args, &diff, err) != 0 || git(args2, &untracked, err) != 0)
			goto out;
	}
	sort_changes(diff.data, untracked.data, r->dir, kinds, &down);
	/* Each change, with what the history says of it; an edit or deletion of what may be applied is refused. */
	r->base = xstrdup(base);
	r->with_db = conn != NULL;
	r->database = conn ? xstrdup(t.display) : NULL;
	r->migrations = xcalloc(kinds[0].n + kinds[1].n + kinds[2].n + 1, sizeof(*r->migrations));
	for (int k = CHANGED_ADDED; k <= CHANGED_DELETED; k++)
		for (size_t i = 0; i < kinds[k].n; i++) {
			struct changed_migration *m = &r->migrations[r->n++];

			m->name = kinds[k].v[i];	/* the result takes it */
			m->change = (enum changed_kind)k;
			m->state = conn ? plan_history_state(&hist, m->name, NULL) : ST_PENDING;
			m->applied = conn && !never_applied(m->state);
			m->refused = k != CHANGED_ADDED && (!conn || m->applied);
			r->refused += m->refused;
		}
	r->down = down.v;
	r->n_down = down.n;
	down.v = NULL;
	rc = 0;
out:
	if (rc < 0)
		for (int k = 0; k < 3; k++)
			for (size_t i = 0; i < kinds[k].n; i++)
				free(kinds[k].v[i]);
	for (int k = 0; k < 3; k++)
		free(kinds[k].v);
	for (size_t i = 0; down.v && i < down.n; i++)
		free(down.v[i]);
	free(down.v);
	buf_release(&diff);
	buf_release(&untracked);
	buf_release(&probe);
	buf_release(&commit);
	buf_release(&deployed);
	history_free(&hist);
	db_close(conn);
	target_free(&t);
	free(deployed_at);
	if (rc < 0)
		changed_result_free(r);
	return rc;
}

void changed_result_free(struct changed_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->migrations[i].name);
	for (size_t i = 0; i < r->n_down; i++)
		free(r->down[i]);
	free(r->migrations);
	free(r->down);
	free(r->base);
	free(r->dir);
	free(r->database);
	memset(r, 0, sizeof(*r));
}
