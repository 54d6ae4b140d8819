/*
 * index: invalid indexes from the catalog, and the checks around a
 * concurrent build.  Names from a migration go as parameters and are
 * resolved by the server (to_regclass over the session's search_path), so
 * that pgshift finds the table the statement itself will use.
 */
#include "db/index.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "util/buf.h"
#include "util/exitcodes.h"

/*
 * $1 schema (NULL: the search path), $2 a table or an index (NULL: every
 * managed schema).  The last column is a backend building an index on the
 * table now (pg_stat_progress_create_index, PostgreSQL 12+).
 */
#define INVALID_SQL(builder)                                                                                    \
	"WITH target AS (SELECT coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = r), r) AS oid "       \
	"  FROM (SELECT CASE WHEN $2::text IS NULL THEN NULL "                                                  \
	"                    WHEN $1::text IS NULL THEN to_regclass(quote_ident($2)) "                          \
	"                    ELSE to_regclass(format('%I.%I', $1, $2)) END AS r) x) "                           \
	"SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname), "                                  \
	"  format('%I.%I', tn.nspname, t.relname), c.relname ~ '_cc(new|old)[0-9]*$', " builder " "             \
	"FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "                                              \
	"JOIN pg_namespace n ON n.oid = c.relnamespace "                                                        \
	"JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace "                \
	"WHERE NOT i.indisvalid AND CASE WHEN $2::text IS NULL "                                                \
	"  THEN n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)' "   \
	"  ELSE i.indrelid = (SELECT oid FROM target) END "                                                     \
	"ORDER BY 1, 2"

static const char invalid_sql[] = INVALID_SQL(
	"coalesce((SELECT p.pid FROM pg_stat_progress_create_index p "
	"WHERE p.relid = i.indrelid AND p.pid <> pg_backend_pid() LIMIT 1), 0)");
static const char invalid_sql_pre12[] = INVALID_SQL("0");

int db_invalid_indexes(PGconn *conn, const char *schema, const char *relation, struct invalid_indexes *out,
		       struct pgs_error *err)
{
	const char *params[2] = { schema, relation };
	bool v12 = PQserverVersion(conn) >= 120000;
	PGresult *res = PQexecParams(conn, v12 ? invalid_sql : invalid_sql_pre12, 2, NULL, params, NULL, NULL, 0);

	memset(out, 0, sizeof(*out));
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not read the invalid indexes", err);
		PQclear(res);
		return -1;
	}
	out->items = xcalloc((size_t)PQntuples(res) + 1, sizeof(*out->items));
	for (int r = 0; r < PQntuples(res); r++) {
		struct invalid_index *x = &out->items[out->n++];

		x->schema = xstrdup(PQgetvalue(res, r, 0));
		x->name = xstrdup(PQgetvalue(res, r, 1));
		x->qualified = xstrdup(PQgetvalue(res, r, 2));
		x->table = xstrdup(PQgetvalue(res, r, 3));
		x->leftover = !strcmp(PQgetvalue(res, r, 4), "t");
		x->builder_pid = strtol(PQgetvalue(res, r, 5), NULL, 10);
		x->drop_sql = xasprintf("DROP INDEX CONCURRENTLY %s;", x->qualified);
		if (!x->leftover && v12)
			x->rebuild_sql = xasprintf("REINDEX INDEX CONCURRENTLY %s;", x->qualified);
	}
	PQclear(res);
	return 0;
}

void invalid_indexes_free(struct invalid_indexes *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct invalid_index *x = &l->items[i];

		free(x->schema);
		free(x->name);
		free(x->qualified);
		free(x->table);
		free(x->drop_sql);
		free(x->rebuild_sql);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int drop(PGconn *conn, const struct invalid_index *x, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	int rc;

	/* qualified was quoted by the server (format %I); IF EXISTS: another session may have dropped it */
	buf_addf(&sql, "DROP INDEX CONCURRENTLY IF EXISTS %s", x->qualified);
	rc = db_exec(conn, sql.data, "could not drop the invalid index", err);
	buf_release(&sql);
	if (rc < 0)
		err_hint(err, "drop it by hand (%s) and run deploy again", x->drop_sql);
	return rc;
}

/* Whether x is what the statement would trip over: its own name, or a REINDEX leftover. */
static bool in_the_way(const struct concurrent_index *ci, const struct invalid_index *x)
{
	if (ci->kind == CC_CREATE)
		return ci->index && !strcmp(x->name, ci->index);
	return x->leftover;
}

int db_index_guard_before(PGconn *conn, const struct concurrent_index *ci, db_note_fn note, void *note_ctx,
			  struct pgs_error *err)
{
	struct invalid_indexes l;
	int rc = 0;

	if (ci->kind == CC_NONE || (ci->kind == CC_CREATE && !ci->index))
		return 0;
	if (db_invalid_indexes(conn, ci->schema, ci->relation, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		const struct invalid_index *x = &l.items[i];
		char *msg;

		if (!in_the_way(ci, x))
			continue;
		if (x->builder_pid) {
			err_set(err, EXIT_FAILURE_, "index %s is invalid and an index on %s is being built right now by "
				"backend pid %ld", x->qualified, x->table, x->builder_pid);
			err_hint(err, "wait for that build to end (or stop it: SELECT pg_cancel_backend(%ld)), then run "
				      "deploy again", x->builder_pid);
			rc = -1;
			break;
		}
		msg = xasprintf("index %s is invalid (%s); dropping it with DROP INDEX CONCURRENTLY and building it again",
				x->qualified, x->leftover ? "left over by an interrupted REINDEX CONCURRENTLY"
							  : "left by a concurrent build that failed or was interrupted");
		if (note)
			note(msg, note_ctx);
		free(msg);
		rc = drop(conn, x, err);
	}
	invalid_indexes_free(&l);
	return rc;
}

/*
 * After CREATE INDEX CONCURRENTLY [IF NOT EXISTS] name ON table: the
 * relation of that name in the table's schema must be a valid index on that
 * table.  IF NOT EXISTS skips the build over any relation of the name: an
 * invalid index, or an index on another table, would pass silently.
 */
static int check_created(PGconn *conn, const struct concurrent_index *ci, struct pgs_error *err)
{
	const char *params[3] = { ci->schema, ci->relation, ci->index };
	PGresult *res = PQexecParams(conn,
				     "SELECT format('%I.%I', n.nspname, c.relname), format('%I.%I', n.nspname, t.relname), "
				     "  i.indisvalid, i.indrelid = t.oid, "
				     "  (SELECT format('%I.%I', on_n.nspname, on_t.relname) FROM pg_class on_t "
				     "   JOIN pg_namespace on_n ON on_n.oid = on_t.relnamespace WHERE on_t.oid = i.indrelid) "
				     "FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
				     "JOIN pg_class c ON c.relnamespace = t.relnamespace AND c.relname = $3 "
				     "LEFT JOIN pg_index i ON i.indexrelid = c.oid "
				     "WHERE t.oid = CASE WHEN $1::text IS NULL THEN to_regclass(quote_ident($2)) "
				     "  ELSE to_regclass(format('%I.%I', $1, $2)) END",
				     3, NULL, params, NULL, NULL, 0);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_result_error(conn, res, "could not check the new index", err);
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		const char *index = PQgetvalue(res, 0, 0), *table = PQgetvalue(res, 0, 1);

		if (PQgetisnull(res, 0, 2)) {
			err_set(err, EXIT_FAILURE_, "no index %s was built: a relation of that name exists and is not an "
				"index", index);
			err_hint(err, "give the index another name, or rename what is in the way, then run deploy again");
			rc = -1;
		} else if (strcmp(PQgetvalue(res, 0, 3), "t")) {
			err_set(err, EXIT_FAILURE_, "no index %s was built on %s: an index of that name exists on %s", index,
				table, PQgetvalue(res, 0, 4));
			err_hint(err, "give the index another name (an index lives in its table's schema, and names are "
				      "unique there), then run deploy again");
			rc = -1;
		} else if (strcmp(PQgetvalue(res, 0, 2), "t")) {
			err_set(err, EXIT_FAILURE_, "index %s is not valid after the statement (pg_index.indisvalid is "
				"false)", index);
			err_detail(err, "%s", ci->if_not_exists
				   ? "IF NOT EXISTS skipped the build because an index of that name exists, but that index "
				     "is invalid: left by a build that failed or was interrupted"
				   : "the server reported success but left the index unusable");
			err_hint(err, "run deploy again: it drops the invalid index (DROP INDEX CONCURRENTLY %s;) and builds "
				      "it anew", index);
			rc = -1;
		}
	}
	PQclear(res);
	return rc;
}

int db_index_guard_after(PGconn *conn, const struct concurrent_index *ci, db_note_fn note, void *note_ctx,
			 struct pgs_error *err)
{
	const char *name = ci->kind == CC_REINDEX_INDEX ? ci->relation : NULL;	/* else CREATE unnamed, REINDEX TABLE */
	struct invalid_indexes l;
	int rc = 0;

	if (ci->kind == CC_NONE)
		return 0;
	if (ci->kind == CC_CREATE && ci->index)
		return check_created(conn, ci, err);
	if (db_invalid_indexes(conn, ci->schema, ci->relation, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct invalid_index *x = &l.items[i];

		if (name && !strcmp(x->name, name)) {
			err_set(err, EXIT_FAILURE_, "index %s is not valid after the statement (pg_index.indisvalid is false)",
				x->qualified);
			err_hint(err, "run deploy again: it drops the invalid index (%s) and builds it anew", x->drop_sql);
			rc = -1;
			break;
		}
		if (!name && note && !x->builder_pid) {
			char *msg = xasprintf("%s has an invalid index %s, not built by this statement; fix: %s",
					      x->table, x->qualified, x->rebuild_sql ? x->rebuild_sql : x->drop_sql);
			note(msg, note_ctx);
			free(msg);
		}
	}
	invalid_indexes_free(&l);
	return rc;
}
