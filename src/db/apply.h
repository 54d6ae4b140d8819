/*
 * apply: running one migration against the database.
 *
 * A transactional migration runs as: BEGIN; SET LOCAL lock_timeout and
 * statement_timeout; each statement as the user wrote it; the history row;
 * COMMIT.  The migration and its row land together or not at all: any
 * failure (an SQL error, a lost connection, a killed pgshift) leaves neither.
 */
#ifndef PGSHIFT_APPLY_H
#define PGSHIFT_APPLY_H

#include <libpq-fe.h>

#include "core/migset.h"
#include "core/script.h"
#include "db/history.h"
#include "util/err.h"

struct apply_opts {
	long lock_timeout_ms;		/* 0: no limit */
	long statement_timeout_ms;	/* 0: no limit */
};

/*
 * Applies m (split into s) in one transaction.  On failure returns -1 with
 * err naming the file, line and statement, and PostgreSQL's message,
 * SQLSTATE and hint; the transaction is rolled back.
 */
int apply_migration(PGconn *conn, const struct history_table *ht, const struct migration *m,
		    const struct script *s, const struct apply_opts *o, struct pgs_error *err);

#endif
