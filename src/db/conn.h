/*
 * conn: connecting to the target and the small query helpers every
 * command uses.  Nothing here prints; failures come back in a pgs_error
 * whose message names the target by its masked URL.
 */
#ifndef PGSHIFT_CONN_H
#define PGSHIFT_CONN_H

#include <stdbool.h>

#include "db/url.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * libpq's connection and result, opaque: the same typedefs libpq-fe.h
 * makes (C11 allows the repeat), so that the headers of db/, schema/ and
 * run/ pass a PGconn around without libpq-fe.h.  Only db/ and schema/ call
 * libpq; cmd/ sees a PGconn and nothing else.
 */
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

/* What the server said about a failed statement. */
struct sql_failure {
	char sqlstate[6];
	char *message;
	char *detail;
	char *hint;
	char *context;
	int position;		/* 1-based character in the statement, 0 when none */
};

/*
 * Where server notices go (RAISE NOTICE in a migration, warnings): the
 * command layer sets this so that they are printed through its redaction;
 * NULL drops them.  db/ itself never prints.
 */
extern void (*db_notice_hook)(const char *severity, const char *message);

/* Closes conn (NULL: nothing to do). */
void db_close(PGconn *conn);
/* Whether conn is still connected (a lost connection cannot record anything more). */
bool db_connected(PGconn *conn);
/* libpq's last error message on conn, as libpq has it (ends in a newline); owned by conn. */
const char *db_error_message(PGconn *conn);

/* Connects with application_name=pgshift and the target's TLS and timeout policy. */
PGconn *db_connect(const struct target *t, struct pgs_error *err);
/* The same, to database dbname on t's server (NULL: t's own database), as t's role. */
PGconn *db_connect_dbname(const struct target *t, const char *dbname, struct pgs_error *err);
/*
 * Refuses a connection that goes through a transaction pooler (PgBouncer in
 * transaction mode, a Neon "-pooler" host): the session advisory lock and
 * session settings of a deploy do not survive it.  Judged by the host name
 * and by behaviour: a second connection that lands on the same server
 * backend, or a backend that changes between two transactions.
 * allow_pooled (--allow-pooled, for a session-mode pool) lets a host name
 * that only suggests a pooler through; a pooler seen by its behaviour is
 * refused all the same.
 */
int db_check_not_pooled(PGconn *conn, const struct target *t, bool allow_pooled, struct pgs_error *err);

/*
 * The server's address of this connection (inet_server_addr()): *addr is a
 * new string, or NULL for a unix socket.
 */
int db_server_addr(PGconn *conn, char **addr, struct pgs_error *err);

/* Asks the server to notice a vanished client quickly (PostgreSQL 14+), so a killed pgshift frees its locks. */
void db_watch_client(PGconn *conn);
int db_server_version(PGconn *conn);

/* Runs a constant command; -1 with err (message prefixed by what) on failure. */
int db_exec(PGconn *conn, const char *sql, const char *what, struct pgs_error *err);
/*
 * Runs one statement with text parameters (NULL: SQL NULL): the number of
 * rows it affected (0 when it affects none), or -1 with err (what names it).
 */
long db_exec_params(PGconn *conn, const char *sql, int nparams, const char *const *params, const char *what,
		    struct pgs_error *err);
/* Ends a failed transaction, if the connection is still up; the caller already has its error. */
void db_rollback(PGconn *conn);
/*
 * Runs sql as one statement of a migration.  On failure returns -1 and fills
 * f (caller frees with sql_failure_free); the connection may be broken
 * (check PQstatus).
 */
int db_exec_script_stmt(PGconn *conn, const char *sql, struct sql_failure *f);
void sql_failure_free(struct sql_failure *f);
/* Fills err from a failed result: message, detail, hint and SQLSTATE. */
int db_result_error(PGconn *conn, const PGresult *res, const char *what, struct pgs_error *err);

/*
 * The session advisory lock that serialises deploys on one database.
 * Waits up to wait_ms (0: do not wait); when it has to wait, on_wait (if
 * not NULL) is first told who holds it.  On timeout returns -1 with code
 * EXIT_LOCK and a detail naming the holder.
 */
typedef void (*db_lock_wait_fn)(const char *holder, long wait_ms, void *arg);
int db_lock(PGconn *conn, long long key, long wait_ms, db_lock_wait_fn on_wait, void *arg, struct pgs_error *err);
int db_unlock(PGconn *conn, long long key, struct pgs_error *err);
/*
 * Whether another session holds that advisory lock: 1 and "pid N
 * (application_name ..., user ..., from ...), connected since T" appended to
 * out; 0 when nobody does; -1 when it could not be read.
 */
int db_lock_holder(PGconn *conn, long long key, struct buf *out);

/* A session at the root of a lock wait. */
struct lock_blocker {
	long pid;
	char *key;		/* pid@backend_start: one session, told apart from a later one with its pid */
	char *application_name;
	char *query_start;	/* of its current or last query, UTC */
	char *state;		/* active, idle in transaction, ... */
	char *query;		/* its current or last query as the server shows it */
};

/*
 * Who kept pgshift from locking schema.relation (the names as the parse
 * tree holds them, unquoted; schema NULL: the one the search_path finds)
 * during a wait of waited_ms that just timed out: the sessions
 * at the root of the wait (holders followed through pg_blocking_pids to
 * those that wait for nobody), not every short transaction that holds a
 * lock on it now.  Sets *out (new array of *n; free with
 * db_lock_blockers_free).  -1 when it could not be read.
 */
int db_lock_blockers(PGconn *conn, const char *schema, const char *relation, long waited_ms,
		     struct lock_blocker **out, size_t *n);
void db_lock_blockers_free(struct lock_blocker *b, size_t n);
/*
 * A foreign key between two tables, either way round: "name (posts
 * references users)" (new string), or NULL.  A NULL schema matches any.
 */
char *db_foreign_key(PGconn *conn, const char *schema1, const char *table1, const char *schema2, const char *table2);
/* The server's deadlock_timeout in milliseconds, or -1 when it could not be read. */
long db_deadlock_timeout_ms(PGconn *conn);

/* format_type of schema.table.column (schema NULL: the search path), new string; NULL when unknown. */
char *db_column_type(PGconn *conn, const char *schema, const char *table, const char *column);
/*
 * True when schema.table.column (schema NULL: the search path) cannot hold
 * a NULL: declared NOT NULL, or a valid CHECK (column IS NOT NULL).
 */
bool db_not_null_proved(PGconn *conn, const char *schema, const char *table, const char *column);

#endif
