/*
 * devdb: the embedded development database.
 *
 * A private PostgreSQL cluster under `<project>/.pgshift/dev/cluster/`, made
 * with initdb and run with pg_ctl from Debian's postgresql package.  It
 * listens on a unix socket inside that directory (trust: the directory is
 * 0700) and on a free loopback port (scram-sha-256, password in
 * `.pgshift/dev/pgpass`), never on any other address.  PostgreSQL refuses to
 * run as root, so when pgshift is root the server runs as the `postgres`
 * system user, which owns cluster/ and nothing pgshift itself writes (the
 * layout is described in devdb.c).
 */
#ifndef PGSHIFT_DEVDB_H
#define PGSHIFT_DEVDB_H

#include <stdbool.h>

#include "util/err.h"

struct devdb_status {
	bool initialised;
	bool running;
	long pid;
	int port;
	char *base;		/* absolute .pgshift/dev */
	char *socket_url;	/* NULL when not running */
	char *tcp_url;		/* loopback URL with passfile=, NULL when not running */
};

/* Initialises (first time) and starts the cluster; fills st. */
int devdb_up(const char *project, struct devdb_status *st, struct pgs_error *err);
/* Stops the cluster; *was_running tells whether there was anything to stop. */
int devdb_down(const char *project, bool *was_running, struct pgs_error *err);
/* Reads the state without changing anything. */
int devdb_get_status(const char *project, struct devdb_status *st, struct pgs_error *err);
void devdb_status_free(struct devdb_status *st);
/* The socket URL when the cluster is up (new string), else NULL.  Cheap: reads postmaster.pid. */
char *devdb_url_if_up(const char *project);

#endif
