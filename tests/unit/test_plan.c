/*
 * Unit tests of core/plan: the state of every migration from disk plus history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/plan.h"

#define MAXM 8

struct fixture {
	struct migset set;
	struct migration items[MAXM];
	struct history hist;
	struct history_row rows[MAXM];
	struct plan plan;
};

static void add_mig(struct fixture *f, const char *name, const char *checksum)
{
	struct migration *m = &f->items[f->set.n++];

	memset(m, 0, sizeof(*m));
	m->name = (char *)name;
	memcpy(m->version, name, VERSION_LEN);
	snprintf(m->checksum, sizeof(m->checksum), "%s", checksum);
	f->set.items = f->items;
}

static struct history_row *add_row(struct fixture *f, const char *name, const char *checksum, bool finished,
				   bool rolled_back)
{
	struct history_row *r = &f->rows[f->hist.n++];

	memset(r, 0, sizeof(*r));
	r->migration_name = (char *)name;
	r->checksum = (char *)checksum;
	r->finished_at = finished ? (char *)"2025-01-01T00:00:00.000Z" : NULL;
	r->rolled_back_at = rolled_back ? (char *)"2025-01-02T00:00:00.000Z" : NULL;
	r->duration_ms = finished ? 3 : -1;
	f->hist.rows = f->rows;
	f->hist.table_exists = true;
	return r;
}

static enum mstate state(struct fixture *f, const char *name)
{
	for (size_t i = 0; i < f->plan.n; i++)
		if (!strcmp(f->plan.entries[i].name, name))
			return f->plan.entries[i].state;
	fail_msg("no entry %s", name);
	return ST__COUNT;
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	plan_free(&f->plan);
	free(f);
	return 0;
}

#define A "20250101000000_a"
#define B "20250102000000_b"
#define C "20250103000000_c"
#define D "20250104000000_d"

static void test_applied_and_pending(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "y");
	add_row(f, A, "x", true, false);
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(f->plan.n, 2);
	assert_int_equal(state(f, A), ST_APPLIED);
	assert_int_equal(state(f, B), ST_PENDING);
	assert_int_equal(f->plan.count[ST_APPLIED], 1);
	assert_int_equal(f->plan.count[ST_PENDING], 1);
	assert_string_equal(f->plan.newest_applied, A);
	assert_true(plan_is_pending(ST_PENDING, false));
	assert_false(plan_is_pending(ST_APPLIED, false));
}

static void test_out_of_order_modified_missing(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "changed");
	add_mig(f, D, "w");
	add_row(f, B, "y", true, false);
	add_row(f, C, "z", true, false);	/* no file */
	add_row(f, D, "w", true, false);
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(f->plan.n, 4);
	/* name order, the missing one in its place */
	assert_string_equal(f->plan.entries[0].name, A);
	assert_string_equal(f->plan.entries[2].name, C);
	assert_int_equal(state(f, A), ST_OUT_OF_ORDER);
	assert_int_equal(state(f, B), ST_MODIFIED);
	assert_int_equal(state(f, C), ST_MISSING);
	assert_null(f->plan.entries[2].mig);
	assert_int_equal(state(f, D), ST_APPLIED);
	assert_true(plan_is_problem(ST_MODIFIED) && plan_is_problem(ST_MISSING));
	assert_false(plan_is_pending(ST_OUT_OF_ORDER, false));
	assert_true(plan_is_pending(ST_OUT_OF_ORDER, true));
}

static void test_failed_rolled_back_and_retries(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "y");
	add_mig(f, C, "z");
	add_row(f, A, "x", false, false);		/* failed */
	add_row(f, B, "y", false, true);		/* failed, then resolved as rolled back */
	add_row(f, C, "z", false, true);		/* a rolled-back attempt... */
	add_row(f, C, "z", true, false);		/* ...then applied */
	add_row(f, D, "q", true, true);		/* applied, rolled back, file deleted: not listed */
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(f->plan.n, 3);
	assert_int_equal(state(f, A), ST_FAILED);
	assert_int_equal(state(f, B), ST_ROLLED_BACK);
	assert_true(plan_is_pending(ST_ROLLED_BACK, false));
	assert_int_equal(state(f, C), ST_APPLIED);
	assert_true(plan_is_problem(ST_FAILED));
	assert_string_equal(mstate_name(ST_ROLLED_BACK), "rolled back");
	assert_string_equal(mstate_name(ST_OUT_OF_ORDER), "out of order");
}

static void test_failed_without_file_is_missing(void **st)
{
	struct fixture *f = *st;

	add_row(f, A, "x", false, false);
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(state(f, A), ST_MISSING);
}

static void test_rows_in_any_order(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "y");
	add_row(f, B, "y", true, false);
	add_row(f, A, "x", true, false);
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(state(f, A), ST_APPLIED);
	assert_int_equal(state(f, B), ST_APPLIED);
	assert_string_equal(f->plan.newest_applied, B);
}

/* With the lock held elsewhere, only the newest unfinished row is the deploy at work. */
static void test_mark_running(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "y");
	add_mig(f, C, "z");
	add_row(f, A, "x", false, false)->started_at = (char *)"2025-01-01T09:00:00.000Z";	/* failed yesterday */
	add_row(f, C, "z", false, false)->started_at = (char *)"2025-01-02T10:00:00.500Z";	/* at work now */
	add_row(f, B, "y", true, false)->started_at = (char *)"2025-01-02T10:00:00.100Z";
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(f->plan.count[ST_FAILED], 2);
	assert_string_equal(plan_mark_running(&f->plan)->name, C);
	assert_int_equal(state(f, A), ST_FAILED);
	assert_int_equal(state(f, C), ST_RUNNING);
	assert_int_equal(f->plan.count[ST_FAILED], 1);
	assert_int_equal(f->plan.count[ST_RUNNING], 1);
	assert_false(plan_is_problem(ST_RUNNING));
	assert_false(plan_is_pending(ST_RUNNING, true));
	assert_string_equal(mstate_name(ST_RUNNING), "running");
}

/* Nothing unfinished (a transactional migration writes its row at commit): nothing is running. */
static void test_mark_running_without_rows(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "y");
	add_row(f, A, "x", true, false)->started_at = (char *)"2025-01-01T09:00:00.000Z";
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_null(plan_mark_running(&f->plan));
	assert_int_equal(state(f, B), ST_PENDING);
	assert_int_equal(f->plan.count[ST_RUNNING], 0);
}

/* What `changed` asks of an edited or deleted migration: was it ever applied (or partly)? */
static void test_history_state(void **st)
{
	struct fixture *f = *st;
	const struct history_row *row;

	add_row(f, A, "x", true, false);			/* applied */
	add_row(f, B, "y", false, false)->applied_steps_count = 1;	/* failed part-way: partly applied */
	add_row(f, C, "z", false, true);			/* failed in a transaction, rolled back */
	add_row(f, D, "q", true, true);				/* applied, then reverted */
	add_row(f, D, "q2", true, false);			/* ...and applied again */
	assert_int_equal(plan_history_state(&f->hist, A, &row), ST_APPLIED);
	assert_string_equal(row->checksum, "x");
	assert_int_equal(plan_history_state(&f->hist, B, NULL), ST_FAILED);
	assert_int_equal(plan_history_state(&f->hist, C, NULL), ST_ROLLED_BACK);
	assert_int_equal(plan_history_state(&f->hist, D, &row), ST_APPLIED);
	assert_string_equal(row->checksum, "q2");
	assert_int_equal(plan_history_state(&f->hist, "20250105000000_e", &row), ST_PENDING);
	assert_null(row);
}

static void test_allow_out_of_order(void **st)
{
	struct fixture *f = *st;

	add_mig(f, A, "x");
	add_mig(f, B, "y");
	add_row(f, B, "y", true, false);
	plan_compute(&f->set, &f->hist, &f->plan);
	assert_int_equal(state(f, A), ST_OUT_OF_ORDER);
	plan_allow_out_of_order(&f->plan);
	assert_int_equal(state(f, A), ST_PENDING);
	assert_int_equal(f->plan.count[ST_PENDING], 1);
	assert_int_equal(f->plan.count[ST_OUT_OF_ORDER], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_applied_and_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_modified_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_rolled_back_and_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_without_file_is_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_in_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_running_without_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_out_of_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
