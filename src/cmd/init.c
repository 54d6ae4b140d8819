/*
 * init: write pgshift's GitHub Actions workflow into a repository.
 *
 * The workflow is .github/workflows/db-migrate.yml of pgshift's own
 * repository, built into the binary, so the reference and what users get
 * are one file.  It builds pgshift with the composite action (action.yml)
 * of a repository the user names with --source OWNER/REPO@REF: there is no
 * default, because a default would run code from a repository nobody here
 * controls inside the job that holds the production credentials.  The
 * template's placeholder cannot name a real repository (GitHub owners have
 * no underscore), so an unfilled copy fails instead of running a stranger's
 * code.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"
#include "workflow.h"

static const char usage[] = "pgshift init --github --source OWNER/REPO@REF [--print] [--force]";

/* The line of the template that --source replaces. */
#define SOURCE_PLACEHOLDER "SOURCE_NOT_SET/pgshift@FULL_COMMIT_SHA"

static bool all_of(const char *s, size_t n, const char *extra, bool hex)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (hex ? !(isdigit(ch) || (ch >= 'a' && ch <= 'f')) : !(isalnum(ch) || strchr(extra, ch)))
			return false;
	}
	return true;
}

/*
 * Checks OWNER/REPO@REF as GitHub names them: an owner of letters, digits
 * and inner hyphens (at most 39), a repository of letters, digits, ".", "_"
 * and "-", and a ref that is a full commit sha or a tag or branch name (git's
 * rules, and nothing YAML would read otherwise).  *is_sha says which.
 */
static int check_source(const char *src, bool *is_sha, struct pgs_error *err)
{
	const char *slash = strchr(src, '/'), *at = strrchr(src, '@');
	size_t owner = slash ? (size_t)(slash - src) : 0;
	size_t repo = slash && at > slash ? (size_t)(at - slash - 1) : 0;
	const char *ref = at ? at + 1 : "";
	size_t reflen = strlen(ref);

	if (!slash || !at || at < slash || memchr(slash + 1, '/', repo) || owner == 0 || owner > 39 || src[0] == '-' ||
	    src[owner - 1] == '-' || !all_of(src, owner, "-", false) || repo == 0 || repo > 100 ||
	    !all_of(slash + 1, repo, "._-", false) || (repo <= 2 && !strncmp(slash + 1, "..", repo)) || reflen == 0) {
		err_set(err, EXIT_USAGE, "--source needs OWNER/REPO@REF (a GitHub repository and a commit), not \"%s\"",
			src);
		err_hint(err, "for example --source acme/pgshift@$(git -C PGSHIFT_CLONE rev-parse HEAD)");
		return -1;
	}
	*is_sha = reflen == 40 && all_of(ref, reflen, "", true);
	if (!*is_sha && all_of(ref, reflen, "", true) && reflen >= 7) {
		err_set(err, EXIT_USAGE, "--source: \"%s\" looks like a shortened commit sha, which GitHub does not resolve",
			ref);
		err_hint(err, "give all 40 characters (git rev-parse %s)", ref);
		return -1;
	}
	/* git check-ref-format's rules, plus what would end the YAML line early (# and spaces). */
	for (size_t i = 0; i < reflen; i++) {
		unsigned char ch = (unsigned char)ref[i];
		if (ch <= ' ' || ch == 0x7f || strchr("~^:?*[\\#'\"", ch) || (ref[i] == '.' && ref[i + 1] == '.') ||
		    (ref[i] == '@' && ref[i + 1] == '{')) {
			err_set(err, EXIT_USAGE, "--source: \"%s\" is not a valid git ref", ref);
			err_hint(err, "give the full commit sha (40 hexadecimal characters) or a tag");
			return -1;
		}
	}
	if (ref[0] == '-' || ref[0] == '/' || ref[0] == '.' || ref[reflen - 1] == '/' || ref[reflen - 1] == '.' ||
	    (reflen >= 5 && !strcmp(ref + reflen - 5, ".lock"))) {
		err_set(err, EXIT_USAGE, "--source: \"%s\" is not a valid git ref", ref);
		err_hint(err, "give the full commit sha (40 hexadecimal characters) or a tag");
		return -1;
	}
	return 0;
}

int cmd_init(int argc, char **argv)
{
	bool github = false, print = false, force = false, is_sha = false;
	const char *source = NULL;
	struct opt opts[] = {
		OPT_BOOL(0, "github", &github, "write .github/workflows/db-migrate.yml"),
		OPT_STRING(0, "source", &source, "OWNER/REPO@REF",
			   "build pgshift from this repository's action.yml at REF (a full commit sha; required)"),
		OPT_BOOL(0, "print", &print, "print the workflow instead of writing it"),
		OPT_BOOL(0, "force", &force, "overwrite an existing workflow file"),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf yml = BUF_INIT;
	const char *path = ".github/workflows/db-migrate.yml";
	int rc = EXIT_OK;
	int n = cmd_options(argc, argv, opts, usage, &rc);

	if (n < 0)
		return rc;
	if (!github) {
		err_set(&err, EXIT_USAGE, "say what to set up: --github");
		err_hint(&err, "usage: %s", usage);
		n = -1;
	}
	if (n >= 0 && (!source || !*source)) {
		err_set(&err, EXIT_USAGE, "--source is required: the workflow builds pgshift from a repository you name");
		err_hint(&err, "pass --source OWNER/REPO@SHA: pgshift's repository (or your fork) and the full commit "
			       "sha you reviewed, e.g. --source acme/pgshift@$(git rev-parse HEAD) in that clone");
		n = -1;
	}
	if (n >= 0 && check_source(source, &is_sha, &err) < 0)
		n = -1;
	if (n < 0)
		return n == -2 ? EXIT_OK : common_fail(&err);
	if (!is_sha)
		out_warning("--source %s names a tag or branch, which can later point at other code; a full commit sha "
			    "is safer", source);
	buf_adds(&yml, workflow_yml);
	buf_replace_all(&yml, SOURCE_PLACEHOLDER, source);
	if (print) {
		out_puts(yml.data);
		goto out;
	}
	if (fs_is_file(path) && !force) {
		err_set(&err, EXIT_FAILURE_, "%s already exists", path);
		err_hint(&err, "pass --force to overwrite it, or --print to compare");
		rc = common_fail(&err);
		goto out;
	}
	if (fs_mkdir_p(".github/workflows", 0755, &err) < 0 || fs_write_file(path, yml.data, yml.len, 0644, &err) < 0) {
		rc = common_fail(&err);
		goto out;
	}
	out_printf("%s written (pgshift from %s)\n", path, source);
	out_hint("add the secrets DATABASE_URL_UNPOOLED (admin role) and VERCEL_DEPLOY_HOOK_URL to an environment "
		 "named \"production\" with required reviewers, and DATABASE_URL_READONLY (a role that can only read) "
		 "to one named \"production-read\"");
out:
	buf_release(&yml);
	return rc;
}
