/*
 * exists: whether the target database holds an object of a given kind and
 * name, for the safety gate (a finding about an object that is not there
 * cannot lose data).
 */
#ifndef PGSHIFT_DB_EXISTS_H
#define PGSHIFT_DB_EXISTS_H

#include "db/conn.h"

/*
 * Whether the database holds schema.name of kind: 'r' a relation (table,
 * view, sequence...) or 'i' an index (one namespace), 't' a type, 's' a
 * schema (schema ignored), 'F' a function or procedure by name, 'f' by
 * name and input argument types (args: SQL type names, NULL-terminated; a
 * type that does not exist matches nothing), 'E' a table (plain or
 * partitioned) that holds no rows.  schema NULL: the name as the session's
 * search_path resolves it.  1 yes, 0 no, -1 the query failed.  'E' is -1
 * also when the answer could be wrong or slow: row security on the table,
 * no SELECT right, a lock not granted within a second, a read of more than
 * two seconds (a table of dead rows scanned for a live one); it reads the
 * table (one row at most) only when the session is outside a transaction.
 */
int db_object_exists(PGconn *conn, char kind, const char *schema, const char *name, const char *const *args);

#endif
