/*
 * seed: load the seed data (the engine is run/seed.c): the options, and
 * what it did and the seed program's output, printed through pgshift's
 * redaction line by line.
 */
#include "cmd/seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift seed [--seed PATH | --command CMD] [options]";

/* A line of the seed program's output, printed where it wrote it (through the redaction). */
static void print_line(int stream, const char *line, void *ctx)
{
	size_t n = strlen(line);

	(void)ctx;
	if (stream == 2)
		out_eprintf("%s%s", line, n && line[n - 1] == '\n' ? "" : "\n");
	else
		out_printf("%s%s", line, n && line[n - 1] == '\n' ? "" : "\n");
}

int seed_run(struct session *ss, const struct seed_opts *so, bool required, struct pgs_error *err)
{
	struct seed_place at = { ss->conn, &ss->ht, &ss->t, ss->set.dir };
	struct seed_result res;

	fflush(stdout);
	if (seed_load(&at, so, required, print_line, NULL, &res, err) < 0)
		return -1;
	if (so->command)
		out_printf("seeded with: %s\n", so->command);
	else if (res.where)
		out_printf("no seed (looked for %s)\n", res.where);
	else
		out_printf("seeded from %zu file%s (%zu statement%s)\n", res.files, res.files == 1 ? "" : "s",
			   res.statements, res.statements == 1 ? "" : "s");
	free(res.where);
	return 0;
}

int cmd_seed(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct seed_opts so = { 0 };
	struct opt opts[] = {
		SEED_OPTS(&so),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if (so.path && so.command) {
		err_set(&err, EXIT_USAGE, "give --seed or --command, not both");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	if (session_open(&ss, &c, false, 0, &err) < 0)
		return common_fail(&err);
	if (seed_run(&ss, &so, true, &err) < 0)
		rc = common_fail(&err);
	session_close(&ss);
	return rc;
}
