/*
 * cmds: the entry point of every command and its row in main.c's table.
 * Each takes the arguments after the command name and returns an exit code.
 * The row says what the command needs set up (as git's RUN_SETUP) and how
 * many positional arguments it takes (as redis's arity); cmd_options and
 * session_open (cmd/common.h) read it, so a command cannot pick another
 * history table, lock mode or arity than its row says.
 */
#ifndef PGSHIFT_CMDS_H
#define PGSHIFT_CMDS_H

enum cmd_needs {
	NEEDS_MIGRATIONS = 1 << 0,	/* its session loads the migrations and computes the plan */
	NEEDS_DB = 1 << 1,		/* it connects (the session reads the history when it has migrations) */
	TAKES_LOCK = 1 << 2,		/* it changes the history: session under the advisory lock, table created */
};

#define ARGS_ANY (-1)

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	unsigned needs;		/* enum cmd_needs */
	int max_args;		/* positional arguments after the options; ARGS_ANY: no limit */
	const char *summary;
};

/* The row of the command being run: main sets it before calling the command. */
extern const struct command *cmd_running;

int cmd_new(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_dev(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_roles(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_backfill(int argc, char **argv);
int cmd_changed(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_down(int argc, char **argv);

#endif
