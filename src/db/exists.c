/*
 * exists: one catalog query per question, with parameters.
 */
#include "db/exists.h"

#include <libpq-fe.h>
#include <string.h>

#include "util/buf.h"

/* The visibility tests follow the search path as PostgreSQL resolves an unqualified name. */
static const char *const queries[] = {
	/* 'r', 'i': relations and indexes share pg_class */
	"SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $2 "
	"AND (n.nspname = $1 OR ($1 IS NULL AND pg_table_is_visible(c.oid))) LIMIT 1",
	/* 't' */
	"SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = $2 "
	"AND (n.nspname = $1 OR ($1 IS NULL AND pg_type_is_visible(t.oid))) LIMIT 1",
	/* 's' */
	"SELECT 1 FROM pg_namespace WHERE nspname = $2 AND $1 IS NULL LIMIT 1",
	/* 'F' */
	"SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = $2 "
	"AND (n.nspname = $1 OR ($1 IS NULL AND n.nspname = ANY (current_schemas(true)))) LIMIT 1",
	/* 'f': the oids as oidvector's text writes them; a type that does not exist is 0 and matches nothing */
	"SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = $2 "
	"AND (n.nspname = $1 OR ($1 IS NULL AND n.nspname = ANY (current_schemas(true)))) "
	"AND p.proargtypes::text = (SELECT coalesce(string_agg(coalesce(to_regtype(a)::oid, 0)::text, ' ' ORDER BY i), '') "
	"FROM unnest($3::text[]) WITH ORDINALITY AS u(a, i)) LIMIT 1",
};

/* args as an array literal: each element in double quotes, " and \ escaped. */
static void array_literal(struct buf *b, const char *const *args)
{
	buf_addc(b, '{');
	for (size_t i = 0; args && args[i]; i++) {
		buf_adds(b, i ? ",\"" : "\"");
		for (const char *p = args[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(b, '\\');
			buf_addc(b, *p);
		}
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
}

/*
 * 'E': the table as regclass writes it (quoted, qualified when the path
 * would not find it), when reading it tells the truth about its rows.
 */
static const char table_query[] =
	"SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.relname = $2 AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity "
	"AND (n.nspname = $1 OR ($1 IS NULL AND pg_table_is_visible(c.oid))) "
	"AND has_table_privilege(c.oid, 'SELECT')";

static int table_is_empty(PGconn *conn, const char *schema, const char *name)
{
	const char *params[2] = { schema && *schema ? schema : NULL, name };
	PGresult *res;
	struct buf q = BUF_INIT;
	int empty = -1;

	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		return -1;
	res = PQexecParams(conn, table_query, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		buf_addf(&q, "BEGIN; SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '2s'; SELECT 1 FROM %s LIMIT 1", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!q.len) {
		buf_release(&q);
		return -1;
	}
	res = PQexec(conn, q.data);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		empty = PQntuples(res) == 0;
	PQclear(res);
	PQclear(PQexec(conn, "ROLLBACK"));
	buf_release(&q);
	return empty;
}

int db_object_exists(PGconn *conn, char kind, const char *schema, const char *name, const char *const *args)
{
	const char *q = strchr("ri", kind) ? queries[0] : kind == 't' ? queries[1] : kind == 's' ? queries[2]
		      : kind == 'F' ? queries[3] : kind == 'f' ? queries[4] : NULL;
	struct buf array = BUF_INIT;
	const char *params[3] = { kind == 's' || !schema || !*schema ? NULL : schema, name, NULL };
	PGresult *res;
	int found = -1;

	if (kind == 'E' && name)
		return table_is_empty(conn, schema, name);
	if (!q || !kind || !name)
		return -1;
	if (kind == 'f') {
		array_literal(&array, args);
		params[2] = array.data;
	}
	res = PQexecParams(conn, q, kind == 'f' ? 3 : 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		found = PQntuples(res) > 0;
	PQclear(res);
	buf_release(&array);
	return found;
}
