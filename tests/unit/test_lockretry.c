/*
 * Unit tests of cmd/lockretry's schedule: short first lock_timeout, growth
 * to a ceiling below deadlock_timeout, growing sleeps, the total --help
 * promises.
 */
#include "unit.h"
#include "run/lockretry.h"

static void test_schedule_starts_short_and_stays_below_deadlock_timeout(void **state)
{
	struct lock_retry lr;

	(void)state;
	lock_retry_init(&lr, -1, LOCK_RETRY_TRIES, LOCK_RETRY_SLEEP_MS, 1000);
	assert_int_equal(lock_retry_timeout(&lr, 1), 100);
	assert_int_equal(lock_retry_timeout(&lr, 2), 150);
	assert_int_equal(lock_retry_timeout(&lr, 3), 225);
	for (int n = 1; n <= LOCK_RETRY_TRIES; n++)
		assert_true(lock_retry_timeout(&lr, n) <= 500);	/* half of deadlock_timeout */
	assert_int_equal(lock_retry_timeout(&lr, LOCK_RETRY_TRIES), 500);
	/* a small deadlock_timeout lowers the first timeout too */
	lock_retry_init(&lr, -1, 10, 500, 120);
	assert_int_equal(lock_retry_timeout(&lr, 1), 60);
	assert_int_equal(lock_retry_timeout(&lr, 10), 60);
	/* a large one: the ceiling is 1 s; unknown (-1): taken as PostgreSQL's default, 1 s */
	lock_retry_init(&lr, -1, 64, 500, 60000);
	assert_int_equal(lock_retry_timeout(&lr, 64), 1000);
	lock_retry_init(&lr, -1, 64, 500, -1);
	assert_int_equal(lock_retry_timeout(&lr, 64), 500);
}

static void test_explicit_timeout_is_fixed(void **state)
{
	struct lock_retry lr;

	(void)state;
	lock_retry_init(&lr, 5000, 3, 500, 1000);
	assert_int_equal(lock_retry_timeout(&lr, 1), 5000);
	assert_int_equal(lock_retry_timeout(&lr, 3), 5000);
	lock_retry_init(&lr, 0, 0, 500, 1000);
	assert_int_equal(lock_retry_timeout(&lr, 1), 0);
	assert_int_equal(lr.tries, 1);
}

static void test_sleeps_grow_to_ten_seconds(void **state)
{
	struct lock_retry lr;

	(void)state;
	lock_retry_init(&lr, -1, LOCK_RETRY_TRIES, LOCK_RETRY_SLEEP_MS, 1000);
	assert_int_equal(lock_retry_sleep(&lr, 1), 500);
	assert_int_equal(lock_retry_sleep(&lr, 2), 750);
	assert_int_equal(lock_retry_sleep(&lr, 40), 10000);
	/* a first sleep above the ceiling stays as given */
	lock_retry_init(&lr, -1, 5, 30000, 1000);
	assert_int_equal(lock_retry_sleep(&lr, 3), 30000);
}

/* --help says "pgshift keeps trying for about 10 minutes" by default. */
static void test_default_total_is_about_ten_minutes(void **state)
{
	struct lock_retry lr;
	long total;

	(void)state;
	lock_retry_init(&lr, -1, LOCK_RETRY_TRIES, LOCK_RETRY_SLEEP_MS, 1000);
	total = lock_retry_total_ms(&lr);
	assert_true(total >= 9 * 60000 && total <= 11 * 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_starts_short_and_stays_below_deadlock_timeout),
		cmocka_unit_test(test_explicit_timeout_is_fixed),
		cmocka_unit_test(test_sleeps_grow_to_ten_seconds),
		cmocka_unit_test(test_default_total_is_about_ten_minutes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
