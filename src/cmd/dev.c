/*
 * dev: the embedded local PostgreSQL (up, down, status, url).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "devdb/devdb.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift dev up|down|status|url [--tcp] [--json]";

static void print_status_json(const struct devdb_status *st)
{
	json_t *o = json_pack("{s:b, s:b, s:s}", "initialised", st->initialised, "running", st->running,
			      "directory", st->base);

	json_object_set_new(o, "pid", st->running ? json_integer(st->pid) : json_null());
	json_object_set_new(o, "port", st->port ? json_integer(st->port) : json_null());
	json_object_set_new(o, "url", st->socket_url ? json_string(st->socket_url) : json_null());
	json_object_set_new(o, "tcp_url", st->tcp_url ? json_string(st->tcp_url) : json_null());
	common_print_json(o);
}

int cmd_dev(int argc, char **argv)
{
	bool tcp = false, json = false;
	struct opt opts[] = {
		OPT_BOOL(0, "tcp", &tcp, "url: print the loopback TCP URL (password read from a passfile) instead of the socket URL"),
		OPT_BOOL(0, "json", &json, "status: print as JSON"),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct devdb_status st = { 0 };
	int rc = EXIT_OK;
	int n = cmd_options(argc, argv, opts, usage, &rc);
	const char *sub;

	if (n < 0)
		return rc;
	if (n == 0) {
		err_set(&err, EXIT_USAGE, "missing the dev subcommand");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	sub = argv[0];
	if (!strcmp(sub, "up")) {
		if (devdb_up(".", &st, &err) < 0)
			return common_fail(&err);
		out_printf("dev cluster running in %s (pid %ld, port %d)\n", st.base, st.pid, st.port);
		out_printf("url: %s\n", st.socket_url);
		out_hint("pgshift commands use it when no URL is configured; other clients can use "
			 "\"pgshift dev url\" (or --tcp for a loopback URL)");
	} else if (!strcmp(sub, "down")) {
		bool was;
		if (devdb_down(".", &was, &err) < 0)
			return common_fail(&err);
		out_printf(was ? "dev cluster stopped\n" : "dev cluster was not running\n");
	} else if (!strcmp(sub, "status")) {
		devdb_get_status(".", &st, &err);
		if (json) {
			print_status_json(&st);
		} else if (st.running) {
			out_printf("running: pid %ld, port %d, in %s\nurl: %s\n", st.pid, st.port, st.base, st.socket_url);
		} else {
			out_printf("%s\n", st.initialised ? "stopped (start it with \"pgshift dev up\")"
							  : "not created (create and start it with \"pgshift dev up\")");
		}
		rc = st.running ? EXIT_OK : EXIT_FAILURE_;
	} else if (!strcmp(sub, "url")) {
		devdb_get_status(".", &st, &err);
		if (!st.running) {
			err_set(&err, EXIT_FAILURE_, "the dev cluster is not running");
			err_hint(&err, "start it with \"pgshift dev up\"");
			devdb_status_free(&st);
			return common_fail(&err);
		}
		out_printf("%s\n", tcp ? st.tcp_url : st.socket_url);
	} else {
		err_set(&err, EXIT_USAGE, "unknown dev subcommand \"%s\"", sub);
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	devdb_status_free(&st);
	return rc;
}
