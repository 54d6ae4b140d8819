/*
 * clock: the monotonic time that durations are measured with, and sleeping
 * that a signal handler can cut short.
 */
#ifndef PGSHIFT_CLOCK_H
#define PGSHIFT_CLOCK_H

#include <signal.h>

/* Milliseconds on the monotonic clock (only differences mean anything). */
double now_ms(void);
/* Sleeps ms milliseconds, through signals, unless *stop (NULL: never) is set by one. */
void sleep_ms(long ms, const volatile sig_atomic_t *stop);

#endif
