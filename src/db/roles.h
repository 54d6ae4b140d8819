/*
 * roles: the brief's two roles, an admin that runs migrations and owns what
 * they create, and an app role that can only read and write rows.
 */
#ifndef PGSHIFT_DB_ROLES_H
#define PGSHIFT_DB_ROLES_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/history.h"
#include "util/buf.h"
#include "util/err.h"

struct roles_spec {
	const char *admin;
	const char *app;
	const char *admin_password;	/* clear text, hashed before use; NULL: leave as is */
	const char *app_password;
	const char *const *schemas;
	int nschemas;
};

/*
 * Appends the setup SQL for the database as it is now: CREATE ROLE for a
 * role that does not exist yet (looked up with a parameter, no DO block),
 * the passwords given in r, the grants and default privileges, and the
 * history table's owner when it exists.  With create_history the history
 * table is first created when missing (after the names are checked), so
 * that a later deploy's default privileges do not hand it to the app; in
 * Prisma mode pgshift_deployments too (in its own schema, which the admin
 * gets CREATE on and the table's ownership).
 * Passwords are hashed here (SCRAM-SHA-256) and only the verifier is in the
 * SQL, so neither the server's log nor --print ever holds one.  -1 with err
 * (EXIT_USAGE naming the option) when a name is not valid text, or when the
 * catalog cannot be read; sql may then hold a part to discard.
 */
int roles_setup_sql(PGconn *conn, const struct roles_spec *r, const struct history_table *ht, bool create_history,
		    struct buf *sql, struct pgs_error *err);
/*
 * Sets the roles up on conn: the history table created when missing, then
 * the setup SQL (roles_setup_sql) run as one transaction, rolled back on
 * failure.  The SQL, which may hold password verifiers, is wiped before
 * its memory is freed.  -1 with err.
 */
int roles_setup(PGconn *conn, const struct roles_spec *r, const struct history_table *ht, struct pgs_error *err);

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
