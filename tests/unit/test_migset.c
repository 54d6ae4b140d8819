/*
 * Unit tests of core/migset: names, scanning and validation of the migrations directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "core/migset.h"
#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"

static void test_names(void **state)
{
	char v[VERSION_LEN + 1];
	const char *name;

	(void)state;
	assert_true(migset_valid_name("add_users2"));
	assert_false(migset_valid_name("add-users"));
	assert_false(migset_valid_name("add users"));
	assert_false(migset_valid_name(""));
	assert_true(migset_parse_dirname("20250101120000_add_users", v, &name));
	assert_string_equal(v, "20250101120000");
	assert_string_equal(name, "add_users");
	assert_false(migset_parse_dirname("2025010112000_add", v, NULL));	/* 13 digits */
	assert_false(migset_parse_dirname("202501011200000_add", v, NULL));	/* 15 digits */
	assert_false(migset_parse_dirname("20250101120000add", v, NULL));
	assert_false(migset_parse_dirname("20250101120000_", v, NULL));
	assert_false(migset_parse_dirname("20250101120000_add-users", v, NULL));
}

/* A version is a real UTC time: month, day of that month (leap years), hour, minute, second. */
static void test_versions_are_timestamps(void **state)
{
	char v[VERSION_LEN + 1];

	(void)state;
	assert_null(migset_version_problem("20261231235959"));
	assert_null(migset_version_problem("20240229000000"));	/* leap year */
	assert_null(migset_version_problem("20000229000000"));	/* divisible by 400 */
	assert_string_equal(migset_version_problem("20261301000000"), "month is not 01-12");
	assert_string_equal(migset_version_problem("20260001000000"), "month is not 01-12");
	assert_string_equal(migset_version_problem("20260100000000"), "day does not exist in that month");
	assert_string_equal(migset_version_problem("20260431000000"), "day does not exist in that month");
	assert_string_equal(migset_version_problem("20250229000000"), "day does not exist in that month");
	assert_string_equal(migset_version_problem("21000229000000"), "day does not exist in that month");
	assert_string_equal(migset_version_problem("20260101240000"), "hour is not 00-23");
	assert_string_equal(migset_version_problem("20260101006000"), "minute is not 00-59");
	assert_string_equal(migset_version_problem("20260101000060"), "second is not 00-59");
	assert_string_equal(migset_version_problem("2026"), "not 14 digits");
	assert_false(migset_parse_dirname("20261301000000_add", v, NULL));
	assert_true(migset_parse_dirname("20261201000000_add", v, NULL));
}

/* Every malformed directory is named in one error, each with what is wrong. */
static void test_every_bad_name_reported(void **state)
{
	char *d = unit_tmpdir();
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	unit_write(d, "20250101000000_ok/migration.sql", "SELECT 1;", 9);
	unit_write(d, "2025_oops/migration.sql", "SELECT 1;", 9);
	unit_write(d, "20261301000000_month13/migration.sql", "SELECT 1;", 9);
	unit_write(d, "20250230000000_feb30/migration.sql", "SELECT 1;", 9);
	assert_int_equal(migset_load(d, LAYOUT_NATIVE, &set, &err), -1);
	assert_int_equal(err.code, EXIT_FAILURE_);
	assert_non_null(strstr(err.message, "3 migration directories"));
	assert_non_null(err.detail);
	assert_non_null(strstr(err.detail, "2025_oops: directory name is not <14 digits>_<name>"));
	assert_non_null(strstr(err.detail, "20261301000000_month13: version is not a UTC timestamp yyyymmddHHMMSS "
				"(month is not 01-12)"));
	assert_non_null(strstr(err.detail, "20250230000000_feb30: version is not a UTC timestamp yyyymmddHHMMSS "
				"(day does not exist in that month)"));
	assert_null(strstr(err.detail, "_ok"));
	assert_non_null(strstr(err.hint, "pgshift new NAME"));
	assert_int_equal(set.n, 0);
	err_clear(&err);
	fs_remove_tree(d, &err);
	free(d);
}

/* A byte-order mark is in the checksum (the file's bytes) but not in the SQL parsed and sent. */
static void test_bom_stripped_after_checksum(void **state)
{
	static const char raw[] = "\xEF\xBB\xBF" "CREATE TABLE t (id int);\n";
	char *d = unit_tmpdir();
	char want[CHECKSUM_HEX_LEN + 1];
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	unit_write(d, "20250101000000_bom/migration.sql", raw, sizeof(raw) - 1);
	assert_int_equal(migset_load(d, LAYOUT_NATIVE, &set, &err), 0);
	checksum_sha256_hex(raw, sizeof(raw) - 1, want);
	assert_string_equal(set.items[0].checksum, want);
	assert_string_equal(set.items[0].sql.data, "CREATE TABLE t (id int);\n");
	assert_int_equal(set.items[0].sql.len, sizeof(raw) - 4);
	migset_free(&set);
	fs_remove_tree(d, &err);
	free(d);
}

/* Loads dir and expects failure whose message, as printed (with its place), contains needle. */
static void expect_error(const char *dir, const char *needle)
{
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf text = BUF_INIT;

	assert_int_equal(migset_load(dir, LAYOUT_NATIVE, &set, &err), -1);
	assert_non_null(err.message);
	err_add_text(&text, &err);
	if (!strstr(text.data, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", text.data, needle);
	assert_int_equal(set.n, 0);
	buf_release(&text);
	err_clear(&err);
}

static void test_load_sorted_with_down(void **state)
{
	char *d = unit_tmpdir();
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	struct pgs_error ignore = PGS_ERROR_INIT;

	(void)state;
	unit_write(d, "20250102000000_b/migration.sql", "SELECT 2;\n", 10);
	unit_write(d, "20250101000000_a/migration.sql", "SELECT 1;\n", 10);
	unit_write(d, "20250101000000_a/down.sql", "SELECT 0;\n", 10);
	unit_write(d, "20250103000000_c/migration.sql", "SELECT 3;\n", 10);
	unit_write(d, "20250103000000_c/down.sql", "", 0);
	unit_write(d, "migration_lock.toml", "provider = \"postgresql\"\n", 24);
	assert_int_equal(migset_load(d, LAYOUT_NATIVE, &set, &err), 0);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.items[0].name, "20250101000000_a");
	assert_string_equal(set.items[1].name, "20250102000000_b");
	assert_non_null(set.items[0].down_path);
	assert_false(set.items[0].down_empty);
	assert_null(set.items[1].down_path);
	assert_true(set.items[2].down_empty);
	/* sha256("SELECT 1;\n") */
	assert_int_equal(strlen(set.items[0].checksum), 64);
	assert_non_null(migset_find(&set, "20250102000000_b"));
	assert_null(migset_find(&set, "20250102000000_x"));
	migset_free(&set);
	fs_remove_tree(d, &ignore);
	free(d);
}

static void test_load_errors(void **state)
{
	char *d;
	struct pgs_error ignore = PGS_ERROR_INIT;

	(void)state;
	expect_error("/nonexistent/pgshift/dir", "does not exist");

	d = unit_tmpdir();
	unit_write(d, "2025_oops/migration.sql", "SELECT 1;", 9);
	expect_error(d, "2025_oops");
	fs_remove_tree(d, &ignore);
	free(d);

	d = unit_tmpdir();
	unit_write(d, "20250101000000_a/migration.sql", "SELECT 1;", 9);
	unit_write(d, "20250101000000_b/migration.sql", "SELECT 1;", 9);
	expect_error(d, "20250101000000_a and 20250101000000_b");
	fs_remove_tree(d, &ignore);
	free(d);

	d = unit_tmpdir();
	unit_write(d, "20250101000000_a/down.sql", "SELECT 1;", 9);
	expect_error(d, "has no migration.sql");
	fs_remove_tree(d, &ignore);
	free(d);

	d = unit_tmpdir();
	unit_write(d, "20250101000000_a/migration.sql", " \n\t\n", 4);
	expect_error(d, "migration file is empty");
	fs_remove_tree(d, &ignore);
	free(d);

	d = unit_tmpdir();
	unit_write(d, "20250101000000_a/migration.sql", "SELECT 1;\n-- ok\nSELECT '\xe9';\n", 27);
	expect_error(d, "migration.sql:3: file is not valid UTF-8");
	fs_remove_tree(d, &ignore);
	free(d);

	d = unit_tmpdir();
	unit_write(d, "20250101000000_a/migration.sql", "SELECT 1;\n\0SELECT 2;\n", 21);
	expect_error(d, "migration.sql:2: file is not valid UTF-8");
	fs_remove_tree(d, &ignore);
	free(d);
}

static void test_many_migrations_load_on_two_threads(void **state)
{
	char *d = unit_tmpdir();
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	char rel[64];

	(void)state;
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), "20250101%02d%02d%02d_m/migration.sql", i / 3600, i / 60 % 60, i % 60);
		unit_write(d, rel, "SELECT 1;\n", 10);
	}
	/* the error in the second half must be found and reported */
	unit_write(d, "20250101000450_m/migration.sql", "", 0);
	expect_error(d, "20250101000450_m/migration.sql: migration file is empty");
	unit_write(d, "20250101000450_m/migration.sql", "SELECT 1;\n", 10);
	assert_int_equal(migset_load(d, LAYOUT_NATIVE, &set, &err), 0);
	assert_int_equal(set.n, 300);
	for (size_t i = 0; i < set.n; i++)
		assert_string_equal(set.items[i].checksum, set.items[0].checksum);
	migset_free(&set);
	fs_remove_tree(d, &err);
	free(d);
}

/* Files of every size come back whole: below, at and past the first read's 8 KiB, and large. */
static void test_file_sizes(void **state)
{
	static const size_t sizes[] = { 1, 8191, 8192, 8193, 16384, 300000 };
	char *d = unit_tmpdir();
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	char rel[64];
	char *text[6];

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		text[i] = malloc(sizes[i]);
		for (size_t j = 0; j < sizes[i]; j++)
			text[i][j] = (char)('a' + (i * 7 + j * 13) % 26);
		snprintf(rel, sizeof(rel), "202501010000%02zu_m/migration.sql", i);
		unit_write(d, rel, text[i], sizes[i]);
	}
	assert_int_equal(migset_load(d, LAYOUT_NATIVE, &set, &err), 0);
	assert_int_equal(set.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(set.items[i].sql.len, sizes[i]);
		assert_memory_equal(set.items[i].sql.data, text[i], sizes[i]);
		assert_int_equal(set.items[i].sql.data[sizes[i]], '\0');
		free(text[i]);
	}
	migset_free(&set);
	fs_remove_tree(d, &err);
	free(d);
}

/* Prisma layout: any directory name Prisma takes, and migration_lock.toml's provider. */
static void test_prisma_layout(void **state)
{
	static const struct {
		const char *lock;
		int rc;
		const char *needle;
	} locks[] = {
		{ "# Please do not edit this file manually\nprovider = \"postgresql\"\n", 0, NULL },
		{ "provider='postgresql' # comment\n", 0, NULL },
		{ "  provider   =   \"postgresql\"", 0, NULL },
		{ "# header\nprovider = \"mysql\"\n", -1, "migration_lock.toml:2: provider is \"mysql\"" },
		{ "provider = \"postgres\"\n", -1, "provider is \"postgres\"" },
		{ "provider = postgresql\n", -1, "migration_lock.toml:1: cannot read the provider value" },
		{ "providers = \"x\"\n", -1, "no provider line" },
		{ "# nothing\n", -1, "no provider line" },
		{ "", -1, "no provider line" },
	};
	char *d = unit_tmpdir();
	struct migset set;
	struct pgs_error err = PGS_ERROR_INIT;
	struct pgs_error ignore = PGS_ERROR_INIT;

	(void)state;
	unit_write(d, "0_init/migration.sql", "SELECT 1;\n", 10);
	unit_write(d, "20250102000000_add_name/migration.sql", "SELECT 2;\n", 10);
	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++) {
		unit_write(d, "migration_lock.toml", locks[i].lock, strlen(locks[i].lock));
		assert_int_equal(migset_load(d, LAYOUT_PRISMA, &set, &err), locks[i].rc);
		if (locks[i].rc == 0) {
			assert_int_equal(set.n, 2);
			assert_string_equal(set.items[0].name, "0_init");
			assert_string_equal(set.items[0].version, "");
			assert_string_equal(set.items[1].version, "20250102000000");
			migset_free(&set);
		} else {
			struct buf text = BUF_INIT;

			err_add_text(&text, &err);
			if (!strstr(text.data, locks[i].needle))
				fail_msg("lock %zu: error \"%s\" does not contain \"%s\"", i, text.data, locks[i].needle);
			buf_release(&text);
		}
		err_clear(&err);
	}
	/* The native layout keeps its strict names. */
	expect_error(d, "0_init: directory name is not <14 digits>_<name>");
	/* Names a history row or a shell could not carry are refused in Prisma's layout too. */
	unit_write(d, "migration_lock.toml", "provider = \"postgresql\"\n", 24);
	unit_write(d, "bad name/migration.sql", "SELECT 3;\n", 10);
	assert_int_equal(migset_load(d, LAYOUT_PRISMA, &set, &err), -1);
	assert_non_null(strstr(err.message, "bad name: directory name is not a usable migration name"));
	err_clear(&err);
	fs_remove_tree(d, &ignore);
	free(d);
}

static void test_pick_dir(void **state)
{
	char *d = unit_tmpdir();
	char *old = getcwd(NULL, 0);
	char *dir;
	enum layout layout;
	struct pgs_error ignore = PGS_ERROR_INIT;

	(void)state;
	assert_int_equal(chdir(d), 0);
	unsetenv("PGSHIFT_DIR");
	migset_pick_dir(NULL, &dir, &layout);
	assert_string_equal(dir, "migrations");
	assert_int_equal(layout, LAYOUT_NATIVE);
	free(dir);
	unit_write(d, "prisma/migrations/migration_lock.toml", "provider = \"postgresql\"\n", 24);
	migset_pick_dir(NULL, &dir, &layout);
	assert_string_equal(dir, "prisma/migrations");
	assert_int_equal(layout, LAYOUT_PRISMA);
	free(dir);
	setenv("PGSHIFT_DIR", "db/m", 1);
	migset_pick_dir(NULL, &dir, &layout);
	assert_string_equal(dir, "db/m");
	free(dir);
	migset_pick_dir("given", &dir, &layout);
	assert_string_equal(dir, "given");
	free(dir);
	unsetenv("PGSHIFT_DIR");
	assert_int_equal(chdir(old), 0);
	free(old);
	fs_remove_tree(d, &ignore);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_versions_are_timestamps),
		cmocka_unit_test(test_every_bad_name_reported),
		cmocka_unit_test(test_bom_stripped_after_checksum),
		cmocka_unit_test(test_load_sorted_with_down),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_many_migrations_load_on_two_threads),
		cmocka_unit_test(test_file_sizes),
		cmocka_unit_test(test_pick_dir),
		cmocka_unit_test(test_prisma_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
