/*
 * common: shared plumbing of the commands.
 */
#include "cmd/common.h"
#include "cmd/cmds.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/events.h"
#include "core/dotenv.h"
#include "util/exitcodes.h"
#include "util/output.h"

const struct command *cmd_running;

/* What a session sets up when no row is running (unit tests): the migrations and the database. */
static unsigned running_needs(void)
{
	return cmd_running ? cmd_running->needs : NEEDS_MIGRATIONS | NEEDS_DB;
}

static void print_notice(const char *severity, const char *message)
{
	char *lower = xstrdup(severity);

	for (char *p = lower; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	out_eprintf("server %s: %s\n", lower, message);
	free(lower);
}

int cmd_options(int argc, char **argv, const struct opt *opts, const char *usage, int *rc)
{
	struct pgs_error err = PGS_ERROR_INIT;
	int n = opts_parse(argc, argv, opts, usage, &err);
	int max = cmd_running ? cmd_running->max_args : ARGS_ANY;

	db_notice_hook = print_notice;	/* server notices on any connection the command opens */
	if (n == -2) {
		*rc = EXIT_OK;
		return -1;
	}
	if (n >= 0 && max != ARGS_ANY && n > max) {
		err_set(&err, EXIT_USAGE, "unexpected argument \"%s\"", argv[max]);
		err_hint(&err, "usage: %s", usage);
		n = -1;
	}
	if (n < 0)
		*rc = common_fail(&err);
	return n;
}

int common_env_bool(const char *name, bool *value, struct pgs_error *err)
{
	const char *v = config_getenv(name);

	if (!v)
		return 0;
	if (!strcmp(v, "1") || !strcasecmp(v, "true"))
		*value = true;
	else if (!*v || !strcmp(v, "0") || !strcasecmp(v, "false"))
		*value = false;
	else
		return err_set(err, EXIT_USAGE, "%s must be 1, true, 0 or false, not \"%s\"", name, v);
	return 0;
}

int session_open(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
		 struct pgs_error *err)
{
	return session_open_checked(s, c, read_only, lock_wait_ms, NULL, NULL, err);
}

int session_open_checked(struct session *s, const struct common_opts *c, bool read_only, long lock_wait_ms,
			 int (*check)(PGconn *conn, void *ctx, struct pgs_error *err), void *ctx,
			 struct pgs_error *err)
{
	unsigned needs = running_needs();
	struct session_request r = {
		.c = c,
		.migrations = needs & NEEDS_MIGRATIONS,
		.lock = (needs & TAKES_LOCK) && !read_only,
		.lock_wait_ms = lock_wait_ms,
		.check = check,
		.check_ctx = ctx,
		.sink = cmd_text_sink(),
	};

	return session_start(s, &r, err);
}

int common_fail(struct pgs_error *err)
{
	int code = err->code ? err->code : EXIT_FAILURE_;

	out_error(err);
	err_clear(err);
	return code;
}

void common_print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2));

	out_printf("%s\n", s);
	free(s);
	json_decref(o);
}

const char *common_index_cause(const struct invalid_index *x)
{
	if (x->builder_pid)
		return "being built right now";
	return x->leftover ? "left over by an interrupted REINDEX CONCURRENTLY; the original index is intact"
			   : "a concurrent build failed or was interrupted";
}

char *common_index_fix(const struct invalid_index *x)
{
	return x->rebuild_sql ? xasprintf("%s (or drop it: %s)", x->rebuild_sql, x->drop_sql) : xstrdup(x->drop_sql);
}
