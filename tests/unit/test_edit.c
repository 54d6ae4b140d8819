/*
 * Unit tests of core/edit: comparing an edited migration with the text that was applied, by parse tree.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/checksum.h"
#include "core/edit.h"
#include "util/fsutil.h"

static void test_compare_parse_trees(void **state)
{
	const char *old = "CREATE TABLE a (id int, name text);\nINSERT INTO a VALUES (1, 'x');\n";

	(void)state;
	assert_int_equal(edit_compare(old, old), EDIT_LAYOUT);
	assert_int_equal(edit_compare(old, "-- header\r\ncreate table a(\r\n  id INT,  name text /* c */ );\r\n"
					   "insert into a values (1,'x') ;"), EDIT_LAYOUT);
	/* a constant, an identifier, a type, a statement: all change the SQL (no fingerprinting of constants) */
	assert_int_equal(edit_compare(old, "CREATE TABLE a (id int, name text);\nINSERT INTO a VALUES (2, 'x');\n"),
			 EDIT_SQL);
	assert_int_equal(edit_compare(old, "CREATE TABLE a (id int, name text);\nINSERT INTO a VALUES (1, 'y');\n"),
			 EDIT_SQL);
	assert_int_equal(edit_compare(old, "CREATE TABLE \"A\" (id int, name text);\nINSERT INTO a VALUES (1, 'x');\n"),
			 EDIT_SQL);
	assert_int_equal(edit_compare(old, "CREATE TABLE a (id bigint, name text);\nINSERT INTO a VALUES (1, 'x');\n"),
			 EDIT_SQL);
	assert_int_equal(edit_compare(old, "CREATE TABLE a (id int, name text);\n"), EDIT_SQL);
	/* a comment inside a function body is part of a string: the SQL changes */
	assert_int_equal(edit_compare("DO $$ BEGIN PERFORM 1; END $$;", "DO $$ BEGIN PERFORM 1; -- x\nEND $$;"),
			 EDIT_SQL);
	assert_int_equal(edit_compare(old, "CREATE TABLE a (id int"), EDIT_UNKNOWN);
}

/* Without git: the file's own bytes with other line endings or a byte-order mark are found by checksum. */
static void test_classify_layout_variants(void **state)
{
	static const char applied[] = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
	char *d = unit_tmpdir();
	struct migration m = { 0 };
	struct buf found = BUF_INIT;
	struct pgs_error ignore = PGS_ERROR_INIT;
	char sum[CHECKSUM_HEX_LEN + 1];

	(void)state;
	checksum_sha256_hex(applied, sizeof(applied) - 1, sum);
	m.dir = d;	/* not in a git repository */
	buf_init(&m.sql);
	buf_adds(&m.sql, "CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n");
	assert_int_equal(edit_classify(&m, sum, &found), EDIT_LAYOUT);
	assert_non_null(strstr(found.data, "line endings"));
	buf_reset(&found);
	buf_reset(&m.sql);
	buf_adds(&m.sql, applied);
	m.bom = true;	/* the file gained a byte-order mark */
	assert_int_equal(edit_classify(&m, sum, &found), EDIT_LAYOUT);
	buf_reset(&found);
	m.bom = false;
	buf_reset(&m.sql);
	buf_adds(&m.sql, "CREATE TABLE a (id int);\nCREATE TABLE b (id bigint);\n");
	assert_int_equal(edit_classify(&m, sum, &found), EDIT_UNKNOWN);
	assert_int_equal(found.len, 0);
	buf_release(&found);
	buf_release(&m.sql);
	fs_remove_tree(d, &ignore);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_parse_trees),
		cmocka_unit_test(test_classify_layout_variants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
