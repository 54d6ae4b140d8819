/*
 * quote: the one place identifiers and literals are escaped for SQL text.
 *
 * libpq refuses to escape text that is not valid in the connection's
 * client encoding (a name with a stray byte such as \xe3); pasting the text
 * raw instead would let it close the quote.  Here that refusal is an error
 * naming the option the text came from (exit 2: bad input), never a
 * fallback.
 */
#ifndef PGSHIFT_DB_QUOTE_H
#define PGSHIFT_DB_QUOTE_H


#include "db/conn.h"
#include "util/err.h"

/*
 * name as a quoted identifier ("a""b"), or a literal ('it''s', E'...' when
 * needed).  what names the origin in the error ("--schema", "the history
 * schema (--history-schema)").  Returns a new string the caller frees with
 * free(); NULL with err (EXIT_USAGE) when it cannot be escaped.
 */
char *db_quote_ident(PGconn *conn, const char *name, const char *what, struct pgs_error *err);
char *db_quote_literal(PGconn *conn, const char *text, const char *what, struct pgs_error *err);

#endif
