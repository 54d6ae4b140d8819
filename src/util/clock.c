/*
 * clock: monotonic milliseconds and interruptible sleeps.
 */
#include "util/clock.h"

#include <time.h>

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void sleep_ms(long ms, const volatile sig_atomic_t *stop)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && !(stop && *stop))
		;
}
