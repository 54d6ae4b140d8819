/*
 * roles: set up and check the admin / app role separation of the brief.
 *
 *   pgshift roles setup --admin NAME --app NAME [--schema S ...] [--print]
 *   pgshift roles check --app NAME [--schema S ...] [--json]
 *
 * Passwords come from PGSHIFT_ADMIN_PASSWORD / PGSHIFT_APP_PASSWORD or a
 * prompt on the terminal, never from the command line, and reach the server
 * (and --print's SQL, from the variables only) as SCRAM-SHA-256 verifiers.
 * check exits 5 when it finds a gap, listing for each the statement that
 * fixes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/roles.h"
#include "core/dotenv.h"
#include "db/roles.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift roles setup --admin NAME --app NAME [--print] | roles check --app NAME [options]";

/* Reads a password from the terminal without echo (new string), or NULL when there is no terminal. */
static char *prompt_password(const char *who)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!tty)
		return NULL;
	fprintf(tty, "password for role %s (empty: leave unchanged): ", who);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	n = getline(&line, &cap, tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line) {
		free(line);
		return NULL;
	}
	return line;
}

static char *password_for(const char *env, const char *who, bool prompt)
{
	const char *v = config_getenv(env);

	if (v && *v)
		return xstrdup(v);
	return prompt && isatty(0) ? prompt_password(who) : NULL;
}

int roles_report(PGconn *conn, const char *app, const struct strlist *schemas, const struct history_table *ht,
		 bool json, struct pgs_error *err)
{
	static const char *default_schema[] = { "public" };
	const char *const *list = schemas->n ? schemas->items : default_schema;
	int n = schemas->n ? schemas->n : 1;
	struct role_gaps gaps;

	if (roles_check(conn, app, list, n, ht, &gaps, err) < 0)
		return -1;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < gaps.n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "problem", gaps.items[i].problem, "fix",
							     gaps.items[i].fix));
		json_t *o = json_pack("{s:b, s:o}", "ok", gaps.n == 0, "gaps", arr);

		common_print_json(o);
	} else if (!gaps.n) {
		out_printf("roles: ok (app role %s: CRUD only, owns nothing, cannot create)\n", app);
	} else {
		for (size_t i = 0; i < gaps.n; i++)
			out_printf("gap: %s\n  fix: %s\n", gaps.items[i].problem, gaps.items[i].fix);
	}
	if (gaps.n) {
		err_set(err, EXIT_HISTORY, "%zu role gap%s for app role %s", gaps.n, gaps.n == 1 ? "" : "s", app);
		err_hint(err, "run the fix statements above as the migration role (or \"pgshift roles setup\")");
	}
	role_gaps_free(&gaps);
	return err->message ? -1 : 0;
}

int cmd_roles(int argc, char **argv)
{
	struct common_opts c = { 0 };
	const char *admin = NULL, *app = NULL;
	bool print = false;
	struct strlist schemas = { 0 };
	struct opt opts[] = {
		OPT_STRING(0, "admin", &admin, "NAME", "setup: the role that runs migrations and owns what they create"),
		OPT_STRING(0, "app", &app, "NAME", "the application's role: CRUD only"),
		OPT_LIST(0, "schema", &schemas, "NAME", "managed schema (repeatable; default public)"),
		OPT_BOOL(0, "print", &print, "setup: print the SQL instead of running it (passwords from the environment as SCRAM verifiers)"),
		OPT_BOOL(0, "json", &c.json, "check: print the gaps as JSON"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	static const char *default_schema[] = { "public" };
	struct pgs_error err = PGS_ERROR_INIT;
	struct history_table ht;
	struct session ss = { 0 };
	PGconn *conn;
	int rc = EXIT_OK;
	int n = cmd_options(argc, argv, opts, usage, &rc);
	bool setup = n == 1 && !strcmp(argv[0], "setup"), check = n == 1 && !strcmp(argv[0], "check");

	if (n >= 0 && ((!setup && !check) || !app || (setup && !admin))) {
		err_set(&err, EXIT_USAGE, !setup && !check ? "give a subcommand: setup or check"
				       : !app ? "--app NAME is required"
					      : "setup needs --admin NAME");
		err_hint(&err, "usage: %s", usage);
		rc = common_fail(&err);
		n = -1;
	}
	if (n < 0) {
		strlist_free(&schemas);
		return rc;
	}
	/* the session picks the history table: _prisma_migrations in a Prisma project */
	if (session_open(&ss, &c, false, 0, &err) < 0)
		goto fail;
	conn = ss.conn;
	ht = ss.ht;
	if (setup) {
		struct roles_spec r = { admin, app, NULL, NULL, schemas.n ? schemas.items : default_schema,
					schemas.n ? schemas.n : 1 };
		struct buf sql = BUF_INIT;
		char *apw = password_for("PGSHIFT_ADMIN_PASSWORD", admin, !print);
		char *ppw = password_for("PGSHIFT_APP_PASSWORD", app, !print);

		secret_register(apw);
		secret_register(ppw);
		r.admin_password = apw;
		r.app_password = ppw;
		if (print && roles_setup_sql(conn, &r, &ht, false, &sql, &err) == 0)
			out_printf("-- pgshift roles setup for the database as it is now; passwords appear as "
				   "SCRAM-SHA-256 verifiers\n%s", sql.data);
		else if (!print && roles_setup(conn, &r, &ht, &err) == 0)
			out_printf("roles ready: %s (migrations, owns what they create), %s (CRUD only)%s\n", admin, app,
				   apw || ppw ? "; passwords set" : "");
		explicit_bzero(sql.data, sql.len);
		buf_release(&sql);
		free(apw);
		free(ppw);
		if (err.message)
			goto fail;
	} else if (roles_report(conn, app, &schemas, &ht, c.json, &err) < 0) {
		goto fail;
	}
	goto out;
fail:
	rc = common_fail(&err);
out:
	session_close(&ss);
	strlist_free(&schemas);
	return rc;
}
