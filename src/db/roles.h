/*
 * roles: the brief's two roles, an admin that runs migrations and owns what
 * they create, and an app role that can only read and write rows.
 */
#ifndef PGSHIFT_DB_ROLES_H
#define PGSHIFT_DB_ROLES_H

#include <libpq-fe.h>

#include "db/history.h"
#include "util/buf.h"
#include "util/err.h"

struct roles_spec {
	const char *admin;
	const char *app;
	const char *admin_password;	/* NULL: leave as is */
	const char *app_password;
	const char *const *schemas;
	int nschemas;
};

/*
 * Appends the setup SQL to sql.  Passwords are only included when
 * with_passwords (the SQL is then sent, never printed).  Idempotent.  The
 * history table, when it exists, is given to the admin and kept from the app
 * (the command creates it first, so that a later deploy's default
 * privileges do not hand it to the app).
 */
void roles_setup_sql(PGconn *conn, const struct roles_spec *r, const struct history_table *ht, int with_passwords,
		     struct buf *sql);

struct role_gap {
	char *problem;	/* one line */
	char *fix;	/* SQL */
};

struct role_gaps {
	struct role_gap *items;
	size_t n;
};

/*
 * Checks the separation on a live database: the current user can do DDL,
 * the app role owns nothing, cannot create in the schemas, and has the CRUD
 * grants on every table and sequence in them (the history table aside).
 */
int roles_check(PGconn *conn, const char *app, const char *const *schemas, int nschemas,
		const struct history_table *ht, struct role_gaps *gaps, struct pgs_error *err);
void role_gaps_free(struct role_gaps *g);

#endif
