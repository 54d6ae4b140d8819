/*
 * Unit tests of db/quote: names quoted, and a failure to quote is an error, never the raw text.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "unit.h"
#include "db/quote.h"
#include "util/exitcodes.h"

/* A connection object that never connected (a socket directory that does not exist): quoting still works. */
static PGconn *offline(void)
{
	PGconn *conn = PQconnectdb("host=/nonexistent-pgshift-test-dir port=1 connect_timeout=1");

	assert_non_null(conn);
	return conn;
}

static void test_ident_and_literal_are_quoted(void **state)
{
	struct pgs_error err = PGS_ERROR_INIT;
	PGconn *conn = offline();
	char *q;

	(void)state;
	q = db_quote_ident(conn, "adm$pgshift$x\"; DROP TABLE t; --", "--admin", &err);
	assert_string_equal(q, "\"adm$pgshift$x\"\"; DROP TABLE t; --\"");
	free(q);
	q = db_quote_literal(conn, "it's", "the comment", &err);
	assert_string_equal(q, "'it''s'");
	free(q);
	assert_null(err.message);
	PQfinish(conn);
}

static void test_a_failure_is_an_error_naming_the_option(void **state)
{
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	/* libpq returns NULL; the text must not come back raw */
	assert_null(db_quote_ident(NULL, "public; DROP TABLE x; --", "--schema", &err));
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.message, "--schema"));
	assert_null(strstr(err.message, "DROP"));
	err_clear(&err);
	assert_null(db_quote_literal(NULL, "x", "the history schema (--history-schema)", &err));
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.message, "--history-schema"));
	err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ident_and_literal_are_quoted),
		cmocka_unit_test(test_a_failure_is_an_error_naming_the_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
