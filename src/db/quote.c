/*
 * quote: escaping identifiers and literals, failing loudly.
 */
#include "db/quote.h"

#include <libpq-fe.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"

static char *quote(PGconn *conn, const char *s, int ident, const char *what, struct pgs_error *err)
{
	char *q = !conn ? NULL : ident ? PQescapeIdentifier(conn, s, strlen(s)) : PQescapeLiteral(conn, s, strlen(s));
	char *res;

	if (!q) {
		const char *why = conn ? PQerrorMessage(conn) : "";

		if (!conn)
			err_set(err, EXIT_USAGE, "%s cannot be quoted without a connection", what);
		else
			err_set(err, EXIT_USAGE, "%s is not valid %s text", what,
				pg_encoding_to_char(PQclientEncoding(conn)));
		if (*why)
			err_detail(err, "%.*s", (int)strcspn(why, "\n"), why);
		err_hint(err, "give it as valid %s text (check the shell quoting)",
			 conn ? pg_encoding_to_char(PQclientEncoding(conn)) : "text");
		return NULL;
	}
	res = xstrdup(q);
	PQfreemem(q);
	return res;
}

char *db_quote_ident(PGconn *conn, const char *name, const char *what, struct pgs_error *err)
{
	return quote(conn, name, 1, what, err);
}

char *db_quote_literal(PGconn *conn, const char *text, const char *what, struct pgs_error *err)
{
	return quote(conn, text, 0, what, err);
}
