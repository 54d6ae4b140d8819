/*
 * reset: emptying the managed schemas of a database.
 */
#ifndef PGSHIFT_DB_RESET_H
#define PGSHIFT_DB_RESET_H

#include <stdbool.h>

#include "db/conn.h"
#include "db/history.h"
#include "util/err.h"

/*
 * In one transaction: drops each schema with everything in it and creates
 * it again with its previous owner, privileges and comment; when the
 * history table lives in another schema, empties it.  Returns -1 with err
 * on failure (nothing changed).
 */
int db_reset_schemas(PGconn *conn, const char *const *schemas, int n, const struct history_table *ht,
		     struct pgs_error *err);
/*
 * Empties the database conn is connected to (a shadow database given with
 * --shadow-url): every schema but the system ones is dropped with
 * everything in it, public is created again with its owner, privileges
 * and comment.  Only this database is touched.  One transaction.
 */
int db_empty_database(PGconn *conn, struct pgs_error *err);

#endif
