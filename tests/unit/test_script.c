/*
 * Unit tests of core/script: statements, lines, directives and autocommit detection from libpg_query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/script.h"

static const char *text =
	"-- header; with a semicolon\n"				/* 1 */
	"\n"							/* 2 */
	"CREATE TABLE a (v text DEFAULT 'x;y');\n"		/* 3 */
	"/* block; comment */\n"				/* 4 */
	"  INSERT INTO a VALUES ('1');\n"			/* 5 */
	"DO $$ BEGIN\n"						/* 6 */
	"  PERFORM 1; -- inside\n"				/* 7 */
	"END $$;\n"						/* 8 */
	"-- pgshift:no-transaction\n"				/* 9 */
	"-- pgshift:allow drop-column because: unused\n"	/* 10 */
	"SELECT 1";						/* 11 */

static void test_statements_and_lines(void **state)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	const int lines[] = { 3, 5, 6, 11 };

	(void)state;
	assert_int_equal(script_split("m.sql", text, &s, &err), 0);
	assert_int_equal(s.n, 4);
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.stmts[i].line, lines[i]);
		assert_non_null(s.stmts[i].node);
		assert_true(s.stmts[i].start >= s.stmts[i].off);
		assert_true(s.stmts[i].start < s.stmts[i].off + s.stmts[i].len);
	}
	assert_memory_equal(text + s.stmts[0].start, "CREATE TABLE a", 14);
	assert_memory_equal(text + s.stmts[2].start, "DO $$", 5);
	assert_int_equal(s.stmts[3].off + s.stmts[3].len, strlen(text));
	assert_int_equal(s.ndirectives, 2);
	assert_non_null(script_directive(&s, "no-transaction"));
	assert_string_equal(script_directive(&s, "allow")->args, "drop-column because: unused");
	assert_int_equal(script_directive(&s, "allow")->line, 10);
	assert_null(script_directive(&s, "lock-timeout"));
	script_free(&s);
}

static void test_directive_only_from_comments(void **state)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(script_split("m.sql", "SELECT '-- pgshift:no-transaction';\n", &s, &err), 0);
	assert_int_equal(s.ndirectives, 0);
	script_free(&s);
}

static void test_syntax_error_position(void **state)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(script_split("dir/m.sql", "SELECT 1;\n-- x\nSELECT 'é' +;\n", &s, &err), -1);
	assert_string_equal(err.file, "dir/m.sql");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 13);
	assert_non_null(strstr(err.message, "syntax error"));
	assert_null(strstr(err.message, "m.sql"));
	err_clear(&err);
}

static void test_first_line(void **state)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf b = BUF_INIT;
	const char *sql = "  SELECT 'ééééé' AS x\nFROM t;";

	(void)state;
	assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
	script_first_line(sql, &s.stmts[0], &b, 100);
	assert_string_equal(b.data, "SELECT 'ééééé' AS x");
	buf_reset(&b);
	script_first_line(sql, &s.stmts[0], &b, 10);	/* cut inside the 2-byte é: backs off */
	assert_string_equal(b.data, "SELECT 'é...");
	buf_release(&b);
	script_free(&s);
}

static const char *autocommit_of(const char *sql, int version)
{
	static char why[128];
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	const char *w;

	assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
	w = script_needs_autocommit(s.stmts[0].node, version);
	snprintf(why, sizeof(why), "%s", w ? w : "");
	script_free(&s);
	return why;
}

static void test_autocommit_detection(void **state)
{
	(void)state;
	assert_string_equal(autocommit_of("CREATE INDEX CONCURRENTLY i ON t (a)", 150000), "CREATE INDEX CONCURRENTLY");
	assert_string_equal(autocommit_of("CREATE INDEX i ON t (a)", 150000), "");
	assert_string_equal(autocommit_of("DROP INDEX CONCURRENTLY i", 150000), "DROP INDEX CONCURRENTLY");
	assert_string_equal(autocommit_of("DROP INDEX i", 150000), "");
	assert_string_equal(autocommit_of("REINDEX (CONCURRENTLY) TABLE t", 150000), "REINDEX CONCURRENTLY");
	assert_string_equal(autocommit_of("REINDEX TABLE CONCURRENTLY t", 150000), "REINDEX CONCURRENTLY");
	assert_string_equal(autocommit_of("REINDEX TABLE t", 150000), "");
	assert_string_equal(autocommit_of("VACUUM t", 150000), "VACUUM");
	assert_string_equal(autocommit_of("ANALYZE t", 150000), "");
	assert_string_equal(autocommit_of("ALTER SYSTEM SET work_mem = '8MB'", 150000), "ALTER SYSTEM");
	assert_string_equal(autocommit_of("CREATE DATABASE x", 150000), "CREATE DATABASE");
	assert_string_equal(autocommit_of("ALTER TYPE mood ADD VALUE 'meh'", 110000),
			    "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)");
	assert_string_equal(autocommit_of("ALTER TYPE mood ADD VALUE 'meh'", 150000), "");
	assert_string_equal(autocommit_of("ALTER TYPE mood RENAME VALUE 'a' TO 'b'", 110000), "");
	assert_string_equal(autocommit_of("SELECT 'CREATE INDEX CONCURRENTLY'", 150000), "");
}

/* Each statement knows its last line and the directives that stand above it (mapped in one pass). */
static bool in_steps(const char *sql, int version)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	bool r;

	assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
	r = script_commits_in_steps(&s, version);
	script_free(&s);
	return r;
}

/* What deploy resumes after a failure instead of refusing it: the no-transaction and backfill migrations. */
static void test_commits_in_steps(void **state)
{
	(void)state;
	assert_true(in_steps("-- pgshift:no-transaction\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);", 150000));
	assert_true(in_steps("ALTER TABLE t ADD c int;\n-- pgshift:backfill\nUPDATE t SET c = 1;", 150000));
	assert_true(in_steps("CREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;", 150000));
	assert_false(in_steps("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);", 150000));
	assert_false(in_steps("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);", 150000));
	assert_false(in_steps("ALTER TYPE mood ADD VALUE 'meh'", 150000));
	assert_true(in_steps("ALTER TYPE mood ADD VALUE 'meh'", 110000));
	assert_false(in_steps("-- only a comment", 150000));
}

static void test_statement_directives(void **state)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	const char *sql =
		"-- pgshift:backfill batch=10\n"		/* 1 */
		"UPDATE t SET v = 1\n"				/* 2 */
		"  WHERE v IS NULL; -- pgshift:backfill\n"	/* 3: after the statement, stands above the next */
		"-- pgshift:allow rename because: x\n"		/* 4 */
		"-- pgshift:backfill\n"				/* 5 */
		"UPDATE t SET v = 2 WHERE v = 1;\n"		/* 6 */
		"SELECT 1;\n"					/* 7: nothing above */
		"-- pgshift:backfill\n";			/* 8: above nothing */

	(void)state;
	assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ndirectives, 5);
	assert_int_equal(s.stmts[0].end_line, 3);
	assert_int_equal(s.stmts[1].end_line, 6);
	assert_int_equal(script_statement_directive(&s, 0, "backfill"), &s.directives[0]);
	assert_string_equal(script_statement_directive(&s, 0, "backfill")->args, "batch=10");
	/* the one on line 3 shares the first statement's last line: it stands above nothing */
	assert_int_equal(script_statement_directive(&s, 1, "backfill"), &s.directives[3]);
	assert_int_equal(script_statement_directive(&s, 1, "allow"), &s.directives[2]);
	assert_null(script_statement_directive(&s, 2, "backfill"));
	script_free(&s);
}

/* A comment after the backfill UPDATE's last token is left out of its parts (issue 16). */
static void test_update_parts_trailing_comment(void **state)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	struct update_parts p;

	(void)state;
	assert_int_equal(script_split("m.sql", "-- pgshift:backfill\nUPDATE t SET v = 1 WHERE v IS NULL -- the rest\n",
				      &s, &err), 0);
	assert_int_equal(script_update_parts("-- pgshift:backfill\nUPDATE t SET v = 1 WHERE v IS NULL -- the rest\n",
					     &s.stmts[0], &p, &err), 0);
	assert_string_equal(p.table, "\"t\"");
	assert_string_equal(p.set, "v = 1");
	assert_string_equal(p.where, "v IS NULL");
	update_parts_free(&p);
	script_free(&s);

	{
		const char *sql = "UPDATE t SET v = 1 -- one\n/* why */ WHERE v IS NULL /* end */ ;\n";
		assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
		assert_int_equal(script_update_parts(sql, &s.stmts[0], &p, &err), 0);
		assert_string_equal(p.set, "v = 1");
		assert_string_equal(p.where, "v IS NULL");
		update_parts_free(&p);
		script_free(&s);
	}
	{
		/* a comment inside a part stays: it ends at its own newline */
		const char *sql = "UPDATE t SET v = 1, -- first\n  w = 2 -- second";
		assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
		assert_int_equal(script_update_parts(sql, &s.stmts[0], &p, &err), 0);
		assert_string_equal(p.set, "v = 1, -- first\n  w = 2");
		assert_null(p.where);
		update_parts_free(&p);
		script_free(&s);
	}
}

static void expect_fragment(const char *frag, const char *needle)
{
	struct pgs_error err = PGS_ERROR_INIT;

	if (!needle) {
		if (script_check_fragment(frag, "--where", &err) != 0)
			fail_msg("\"%s\" refused: %s", frag, err.message);
		return;
	}
	assert_int_equal(script_check_fragment(frag, "--where", &err), -1);
	if (!strstr(err.message, needle))
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", frag, err.message, needle);
	err_clear(&err);
}

/* A condition pasted as "AND (cond)" must stay one operand: the scanner decides, not string search. */
static void test_check_fragment(void **state)
{
	(void)state;
	expect_fragment("false) OR (v IS NULL", "a ')' closes a parenthesis it did not open");
	expect_fragment("v IS NULL) OR (true", "closes a parenthesis");
	expect_fragment("(v IS NULL", "a '(' is not closed");
	expect_fragment("v IS NULL; DROP TABLE t", "';'");
	expect_fragment("v IS NULL -- the rest", "comment");
	expect_fragment("v /* x */ IS NULL", "comment");
	expect_fragment("v = 'unterminated", "cannot be pasted");
	expect_fragment("v = $$x", "cannot be pasted");
	/* parentheses, semicolons and comment marks inside strings, quoted names and dollar quotes are text */
	expect_fragment("v IS NULL", NULL);
	expect_fragment("(a) OR (b)", NULL);
	expect_fragment("v = ')' AND w = '(;--' AND \"x)\" = $q$)/*$q$", NULL);
	expect_fragment("f(g(1), (2)) > 0", NULL);
}

/* Semicolons, comment marks and parentheses inside strings are text, not structure. */
static void test_update_parts_quoted_marks(void **state)
{
	(void)state;
	{
		const char *ok = "-- pgshift:backfill\nUPDATE \"T\" SET v = ';' WHERE (v IS NULL) OR w = '--';";
		struct script s;
		struct update_parts p;
		struct pgs_error err = PGS_ERROR_INIT;

		assert_int_equal(script_split("m.sql", ok, &s, &err), 0);
		assert_int_equal(script_update_parts(ok, &s.stmts[0], &p, &err), 0);
		assert_string_equal(p.table, "\"T\"");
		assert_string_equal(p.set, "v = ';'");
		assert_string_equal(p.where, "(v IS NULL) OR w = '--'");
		update_parts_free(&p);
		script_free(&s);
	}
}

static void expect_bad_args(const char *args, const char *needle)
{
	struct backfill_args a;
	struct pgs_error err = PGS_ERROR_INIT;

	assert_int_equal(script_backfill_args(args, &a, &err), -1);
	if (!strstr(err.message, needle))
		fail_msg("\"%s\" lacks \"%s\"", err.message, needle);
	err_clear(&err);
}

/* Every number of a -- pgshift:backfill line is range-checked: no huge LIMIT, no overflow. */
static void test_backfill_args_ranges(void **state)
{
	struct backfill_args a;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(script_backfill_args("batch=100000 lock-timeout=596h target-ms=0 sleep=2147483647", &a, &err), 0);
	assert_int_equal(a.batch, BACKFILL_MAX_BATCH);
	assert_int_equal(a.lock_timeout_ms, 596L * 3600 * 1000);
	assert_int_equal(a.target_ms, 0);
	assert_int_equal(a.sleep_ms, 2147483647L);
	assert_int_equal(a.max_lag_ms, -1);
	expect_bad_args("batch=99999999999999999999999", "\"batch=99999999999999999999999\": not a whole number from 1 "
							   "to 100000");
	expect_bad_args("batch=100001", "from 1 to 100000");
	expect_bad_args("batch=0", "from 1 to 100000");
	expect_bad_args("batch=-5", "from 1 to 100000");
	expect_bad_args("batch=1e3", "from 1 to 100000");
	expect_bad_args("lock-timeout=597h", "\"lock-timeout=597h\": not a duration from 0 to 2147483647ms");
	expect_bad_args("max-lag=1e300", "not a duration");
	expect_bad_args("target-ms=99999999999999999999", "not a duration");
}

/* Concurrent index builds are read from the parse tree: table, schema, index name, IF NOT EXISTS (issue 14). */
static void test_concurrent_index(void **state)
{
	const char *sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Name_Idx\" ON app.\"Users\" (name);\n"
			  "CREATE UNIQUE INDEX CONCURRENTLY ON users (email);\n"
			  "CREATE INDEX users_x ON users (x);\n"
			  "REINDEX INDEX CONCURRENTLY s.users_x;\n"
			  "REINDEX (VERBOSE, CONCURRENTLY) TABLE users;\n"
			  "REINDEX TABLE users;\n"
			  "REINDEX SCHEMA CONCURRENTLY public;\n";
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	struct concurrent_index ci;

	(void)state;
	assert_int_equal(script_split("m.sql", sql, &s, &err), 0);
	assert_int_equal(s.n, 7);
	script_concurrent_index(s.stmts[0].node, &ci);
	assert_int_equal(ci.kind, CC_CREATE);
	assert_string_equal(ci.schema, "app");
	assert_string_equal(ci.relation, "Users");
	assert_string_equal(ci.index, "Name_Idx");
	assert_true(ci.if_not_exists);
	script_concurrent_index(s.stmts[1].node, &ci);
	assert_int_equal(ci.kind, CC_CREATE);
	assert_null(ci.schema);
	assert_string_equal(ci.relation, "users");
	assert_null(ci.index);
	assert_false(ci.if_not_exists);
	script_concurrent_index(s.stmts[2].node, &ci);
	assert_int_equal(ci.kind, CC_NONE);
	script_concurrent_index(s.stmts[3].node, &ci);
	assert_int_equal(ci.kind, CC_REINDEX_INDEX);
	assert_string_equal(ci.schema, "s");
	assert_string_equal(ci.relation, "users_x");
	script_concurrent_index(s.stmts[4].node, &ci);
	assert_int_equal(ci.kind, CC_REINDEX_TABLE);
	assert_string_equal(ci.relation, "users");
	script_concurrent_index(s.stmts[5].node, &ci);
	assert_int_equal(ci.kind, CC_NONE);
	script_concurrent_index(s.stmts[6].node, &ci);
	assert_int_equal(ci.kind, CC_NONE);
	script_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backfill_args_ranges),
		cmocka_unit_test(test_check_fragment),
		cmocka_unit_test(test_update_parts_quoted_marks),
		cmocka_unit_test(test_statements_and_lines),
		cmocka_unit_test(test_directive_only_from_comments),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_first_line),
		cmocka_unit_test(test_autocommit_detection),
		cmocka_unit_test(test_commits_in_steps),
		cmocka_unit_test(test_statement_directives),
		cmocka_unit_test(test_update_parts_trailing_comment),
		cmocka_unit_test(test_concurrent_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
