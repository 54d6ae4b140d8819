/*
 * index: invalid indexes, the leftovers of concurrent builds.
 *
 * CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY build in several
 * transactions; when one fails (a duplicate key, a lock timeout) or its
 * session dies (kill -9, pg_terminate_backend), the index stays behind with
 * pg_index.indisvalid = false: the planner ignores it, a unique one still
 * checks every write, and CREATE INDEX ... IF NOT EXISTS skips over it as if
 * it were fine.  Here: listing them (for status and health), and the care
 * the no-transaction statement path takes around a concurrent build.
 *
 * "Managed schemas", where the listing looks when not given a table: every
 * schema but the system's own (pg_catalog, information_schema, pg_toast*)
 * and temporary ones (pg_temp_*).  A migration may create schemas of its
 * own, so the history schema and the search path would be too narrow.
 */
#ifndef PGSHIFT_DB_INDEX_H
#define PGSHIFT_DB_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/script.h"
#include "db/conn.h"
#include "util/err.h"

struct invalid_index {
	char *schema, *name;	/* the index (it lives in its table's schema) */
	char *qualified;	/* schema.name quoted as SQL reads it (by the server's quote_ident) */
	char *table;		/* its table, qualified and quoted the same way */
	bool leftover;		/* named *_ccnew or *_ccold: left by REINDEX CONCURRENTLY, the original is intact */
	long builder_pid;	/* another backend building an index on that table right now, 0 when none */
	char *drop_sql;		/* DROP INDEX CONCURRENTLY ...; */
	char *rebuild_sql;	/* REINDEX INDEX CONCURRENTLY ...; (PostgreSQL 12+); NULL for a leftover or older servers */
};

struct invalid_indexes {
	struct invalid_index *items;
	size_t n;
};

/*
 * The invalid indexes on one table, or in every managed schema (relation
 * NULL).  relation is a table, or an index (its table is then meant), named
 * as a statement names it: schema NULL resolves it through the session's
 * search_path on the server; one that does not exist gives an empty list.
 * out is filled even when empty; the caller frees it with
 * invalid_indexes_free.  -1 with err when the catalog cannot be read.
 */
int db_invalid_indexes(PGconn *conn, const char *schema, const char *relation, struct invalid_indexes *out,
		       struct pgs_error *err);
void invalid_indexes_free(struct invalid_indexes *l);

/* What the statement path tells its caller (db/ never prints): one sentence, no newline. */
typedef void (*db_note_fn)(const char *message, void *ctx);

/*
 * Before a concurrent build (ci from script_concurrent_index): an invalid
 * index the statement would trip over is dropped with DROP INDEX
 * CONCURRENTLY and note is told, so that the build runs again instead of
 * being skipped (IF NOT EXISTS) or failing ("already exists").  That is: the
 * index of the statement's name on its table (CREATE), or REINDEX
 * CONCURRENTLY leftovers on the table (REINDEX).  An unnamed CREATE has no
 * name to look for: nothing is dropped.  Refuses (-1) when another backend is
 * building an index on the table right now.
 */
int db_index_guard_before(PGconn *conn, const struct concurrent_index *ci, db_note_fn note, void *note_ctx,
			  struct pgs_error *err);
/*
 * After the statement succeeded: -1 with err when the index it names is not
 * valid (a CREATE ... IF NOT EXISTS that skipped an invalid index, a
 * REINDEX INDEX that did not make it valid), or, for a named CREATE, is not
 * an index on the statement's table (IF NOT EXISTS skipped over a relation
 * of that name elsewhere in the schema).  An unnamed CREATE (the server
 * picked the name, and a build that returns success made its index valid)
 * and REINDEX TABLE (which skips invalid indexes) only have note told of
 * invalid indexes still on the table, with the command that fixes each.
 */
int db_index_guard_after(PGconn *conn, const struct concurrent_index *ci, db_note_fn note, void *note_ctx,
			 struct pgs_error *err);

#endif
