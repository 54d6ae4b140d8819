/*
 * roles: the role check, shared by `roles check` and `deploy --app-role`.
 */
#ifndef PGSHIFT_CMD_ROLES_H
#define PGSHIFT_CMD_ROLES_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/history.h"
#include "util/err.h"
#include "util/opts.h"

/* Prints the gaps (or "ok"); -1 with err (EXIT_HISTORY) when there is any. */
int roles_report(PGconn *conn, const char *app, const struct strlist *schemas, const struct history_table *ht,
		 bool json, struct pgs_error *err);

#endif
