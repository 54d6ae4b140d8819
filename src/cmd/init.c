/*
 * init: write pgshift's GitHub Actions workflow into a repository.
 *
 * The workflow is .github/workflows/db-migrate.yml of pgshift's own
 * repository, built into the binary, so the reference and what users get
 * are one file.
 */
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"
#include "workflow.h"

static const char usage[] = "pgshift init --github [--print] [--force]";

int cmd_init(int argc, char **argv)
{
	bool github = false, print = false, force = false;
	struct opt opts[] = {
		OPT_BOOL(0, "github", &github, "write .github/workflows/db-migrate.yml"),
		OPT_BOOL(0, "print", &print, "print the workflow instead of writing it"),
		OPT_BOOL(0, "force", &force, "overwrite an existing workflow file"),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	const char *path = ".github/workflows/db-migrate.yml";
	int n = opts_parse(argc, argv, opts, usage, &err);

	if (n >= 0 && (n > 0 || !github)) {
		err_set(&err, EXIT_USAGE, n > 0 ? "unexpected argument \"%s\"" : "say what to set up: --github",
			n > 0 ? argv[0] : "");
		err_hint(&err, "usage: %s", usage);
		n = -1;
	}
	if (n < 0)
		return n == -2 ? EXIT_OK : common_fail(&err);
	if (print) {
		out_puts(workflow_yml);
		return EXIT_OK;
	}
	if (fs_is_file(path) && !force) {
		err_set(&err, EXIT_FAILURE_, "%s already exists", path);
		err_hint(&err, "pass --force to overwrite it, or --print to compare");
		return common_fail(&err);
	}
	if (fs_mkdir_p(".github/workflows", 0755, &err) < 0 ||
	    fs_write_file(path, workflow_yml, strlen(workflow_yml), 0644, &err) < 0)
		return common_fail(&err);
	out_printf("%s written\n", path);
	out_hint("add the repository secrets DATABASE_URL_UNPOOLED (direct connection, admin role) and "
		 "VERCEL_DEPLOY_HOOK_URL, and an environment named \"production\" with required reviewers");
	return EXIT_OK;
}
