/*
 * main: the command table of pgshift and what every command shares:
 * `.env` loading, --help and --version.  A command is one row here (what it
 * needs set up, how many arguments it takes) and one file in src/cmd/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "core/dotenv.h"
#include "util/exitcodes.h"
#include "util/output.h"

#ifndef PGSHIFT_VERSION
#define PGSHIFT_VERSION "dev"
#endif

#define M NEEDS_MIGRATIONS
#define DB NEEDS_DB
#define LOCK TAKES_LOCK
static const struct command commands[] = {
	{ "new", cmd_new, 0, 2, "create a new migration directory (--from-schema: written from a schema file)" },
	{ "deploy", cmd_deploy, M | DB | LOCK, 0, "apply the pending migrations, each in one transaction" },
	{ "status", cmd_status, M | DB, 0, "show every migration's state (exit 4: pending, 5: history problem)" },
	{ "lint", cmd_lint, M, ARGS_ANY, "check migrations for destructive, locking or rewriting operations" },
	{ "backfill", cmd_backfill, DB, 0, "change every row of a large table in small, resumable batches" },
	{ "review", cmd_review, M | DB, 0, "the manual-review report of the pending migrations, in markdown" },
	{ "rollback", cmd_rollback, M | DB | LOCK, 0, "revert applied migrations with their down.sql (--to NAME | --steps N)" },
	{ "resolve", cmd_resolve, M | DB | LOCK, 0, "mark a failed migration --applied or --rolled-back" },
	{ "reset", cmd_reset, M | DB | LOCK, 0, "local only: empty the schemas, apply every migration, seed" },
	{ "seed", cmd_seed, M | DB, 0, "load seed data: seed.sql, seed/*.sql, or --command CMD" },
	{ "roles", cmd_roles, DB, 1, "set up or check the admin / app role separation" },
	{ "health", cmd_health, M | DB, 0, "health check: database, history, pending, roles (exit 0 only if all pass)" },
	{ "changed", cmd_changed, 0, 0, "migrations added, modified or deleted since a git ref (for CI)" },
	{ "init", cmd_init, 0, 0, "write the GitHub Actions workflow into a repository (--github)" },
	{ "hook", cmd_hook, 0, 0, "call the redeploy hook (as deploy does after applying)" },
	{ "dev", cmd_dev, 0, 1, "the embedded local PostgreSQL: up, down, status, url" },
	{ "dump", cmd_dump, DB, 0, "write the schema as dependency-ordered SQL (-o FILE)" },
	{ "drift", cmd_drift, M | DB, 0, "compare the database with its applied migrations replayed (exit 5: drift)" },
	{ "diff", cmd_diff, 0, 0, "the SQL that takes one schema to another's (--from SRC --to SRC)" },
	{ "down", cmd_down, M, 1, "write a hand-written migration's down.sql from the schema before and after it" },
};
#undef M
#undef DB
#undef LOCK

static void usage(FILE *f)
{
	fprintf(f, "usage: pgshift COMMAND [options]\n\n"
		   "PostgreSQL migrations: create, check, apply, and see their state.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n\"pgshift COMMAND --help\" shows a command's options; \"man pgshift\" has the details.\n"
		   "The database URL comes from --url, DATABASE_URL_UNPOOLED, DIRECT_URL, DATABASE_URL, the PG*\n"
		   "variables, or the dev cluster; a .env file in the working directory is read first.\n"
		   "exit codes: 0 ok, 1 failure, 2 usage, 3 blocked by the safety gate, 4 pending,\n"
		   "5 history problem, 6 lock not acquired in time, 130 stopped by a signal (progress saved)\n");
}

int main(int argc, char **argv)
{
	struct pgs_error err = PGS_ERROR_INIT;
	const char *name;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		if (argc > 2 && strcmp(name, "help") == 0) {
			char *help_argv[] = { (char *)"--help", NULL };
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(commands[i].name, argv[2])) {
					cmd_running = &commands[i];
					return commands[i].fn(1, help_argv);
				}
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("pgshift %s\n", PGSHIFT_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name))
			continue;
		if (dotenv_load_file(".env", &err) < 0) {
			out_error(&err);
			err_clear(&err);
			return EXIT_USAGE;
		}
		/* PGPASSWORD may be used by libpq without ever appearing in a URL. */
		secret_register(getenv("PGPASSWORD"));
		cmd_running = &commands[i];
		rc = commands[i].fn(argc - 2, argv + 2);
		fflush(stdout);
		dotenv_unload();
		secret_forget_all();
		return rc;
	}
	out_errorf("unknown command \"%s\"", name);
	out_hint("run \"pgshift --help\" for the list of commands");
	return EXIT_USAGE;
}
