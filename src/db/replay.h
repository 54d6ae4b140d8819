/*
 * replay: filling a scratch database (db/scratch.h) so that its model can
 * be read: the migrations a target has applied, in the order it applied
 * them, or a .sql file (or a directory of them) as psql -f would load it.
 *
 * Migrations replay through the deploy path (db/apply.h) with a history
 * table in the scratch database, the same table as the target's (same
 * schema, same mode): a no-transaction migration runs statement by
 * statement as it did on the target, and the scratch ends up with the same
 * history schema as the target, while schema_load leaves pgshift's own
 * tables out of both models.  A `-- pgshift:backfill` UPDATE is data: on
 * the empty scratch it runs as the plain UPDATE it is, in the migration's
 * transaction.  Never prints.
 */
#ifndef PGSHIFT_REPLAY_H
#define PGSHIFT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"
#include "db/conn.h"
#include "db/history.h"
#include "util/err.h"

/*
 * The migrations the plan says are applied, in the order the target
 * applied them (their history rows' finished_at, then name): *out is a new
 * array of *n (caller frees; the migrations belong to the plan's set).
 * A history that does not say what the target should hold is refused
 * (EXIT_HISTORY): a failed migration, one whose file is missing or was
 * edited after it was applied; a deploy at work (EXIT_LOCK).
 */
int replay_applied(const struct plan *p, const struct migration ***out, size_t *n, struct pgs_error *err);
/*
 * Applies migs in order into conn (a scratch database), recording them in
 * ht there (created when missing).  On failure err names the migration,
 * the file and line; after a signal (scratch_interrupted) its code is 130.
 */
int replay_migrations(PGconn *conn, const struct history_table *ht, const struct migration *const *migs, size_t n,
		      struct pgs_error *err);
/*
 * Loads path, a .sql file or a directory of them (every *.sql in name
 * order), into conn: each file in transactions of REPLAY_CHUNK statements,
 * or, when it holds statements that cannot run in one (CREATE INDEX
 * CONCURRENTLY, ...), statement by statement.  Nothing is recorded.  A
 * large schema in one transaction would hold a lock per object until its
 * commit, and beside another load (new --from-schema fills two scratch
 * databases at once) exceed the server's lock table; a scratch database is
 * pgshift's own (dropped, or emptied before its next use), so what a failed
 * load leaves does not matter.  On failure err names the file and line;
 * after a signal (scratch_interrupted) its code is 130.
 */
#define REPLAY_CHUNK 100
int replay_sql_path(PGconn *conn, const char *path, struct pgs_error *err);
/*
 * Runs n generated statements (new --from-schema checking each migration
 * it writes) in one transaction when in_transaction, else each on its own.
 * On failure err names what (the migration) and the statement.
 */
int replay_statements(PGconn *conn, const char *const *sql, size_t n, bool in_transaction, const char *what,
		      struct pgs_error *err);

#endif
