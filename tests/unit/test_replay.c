/*
 * Unit tests of db/replay's choice of migrations (which, in which order,
 * and which histories it refuses) and of scratch database names.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "db/replay.h"
#include "db/scratch.h"
#include "util/exitcodes.h"

struct fixture {
	struct migration migs[4];
	struct history_row rows[4];
	struct plan_entry entries[4];
	struct plan plan;
};

static void entry(struct fixture *f, size_t i, const char *name, enum mstate st, const char *finished_at)
{
	f->migs[i].name = (char *)name;
	f->rows[i].migration_name = (char *)name;
	f->rows[i].finished_at = (char *)finished_at;
	f->entries[i] = (struct plan_entry){ name, st, &f->migs[i], finished_at ? &f->rows[i] : NULL };
	f->plan.entries = f->entries;
	f->plan.n = i + 1;
}

/* In the order the target applied them, not by name; pending and rolled back ones are not replayed. */
static void test_applied_in_applied_order(void **state)
{
	struct fixture f = { 0 };
	struct pgs_error err = PGS_ERROR_INIT;
	const struct migration **out;
	size_t n;

	(void)state;
	entry(&f, 0, "20250101000001_a", ST_APPLIED, "2025-03-01 10:00:00.5+00");
	entry(&f, 1, "20250101000002_b", ST_PENDING, NULL);
	entry(&f, 2, "20250101000003_c", ST_APPLIED, "2025-02-01 10:00:00+00");
	entry(&f, 3, "20250101000004_d", ST_ROLLED_BACK, "2025-02-02 10:00:00+00");
	assert_int_equal(replay_applied(&f.plan, &out, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0]->name, "20250101000003_c");
	assert_string_equal(out[1]->name, "20250101000001_a");
	free(out);
}

static void refused(enum mstate st, int code)
{
	struct fixture f = { 0 };
	struct pgs_error err = PGS_ERROR_INIT;
	const struct migration **out = NULL;
	size_t n = 7;

	entry(&f, 0, "20250101000001_a", ST_APPLIED, "2025-01-01 00:00:00+00");
	entry(&f, 1, "20250101000002_b", st, "2025-01-02 00:00:00+00");
	assert_int_equal(replay_applied(&f.plan, &out, &n, &err), -1);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.message, "20250101000002_b"));
	assert_null(out);
	assert_int_equal(n, 0);
	err_clear(&err);
}

/* A history that does not say what the database should hold is refused. */
static void test_problems_refused(void **state)
{
	(void)state;
	refused(ST_FAILED, EXIT_HISTORY);
	refused(ST_MODIFIED, EXIT_HISTORY);
	refused(ST_MISSING, EXIT_HISTORY);
	refused(ST_RUNNING, EXIT_LOCK);
}

static void test_scratch_names(void **state)
{
	regex_t re;
	char *a = scratch_new_name(), *b = scratch_new_name();

	(void)state;
	assert_int_equal(regcomp(&re, "^pgshift_scratch_[0-9]+_[0-9a-f]{8}$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, a, 0, NULL, 0), 0);
	assert_int_equal(regexec(&re, b, 0, NULL, 0), 0);
	assert_string_not_equal(a, b);
	regfree(&re);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applied_in_applied_order),
		cmocka_unit_test(test_problems_refused),
		cmocka_unit_test(test_scratch_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
