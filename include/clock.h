/*
 * clock.h: monotonic time and sleeps that a signal cuts short.
 */
#ifndef PGB_CLOCK_H
#define PGB_CLOCK_H

/* milliseconds on the monotonic clock */
long long clock_now_ms(void);
/* Sleep up to ms; returns 1 early when a handled signal arrived (signals.h), else 0. */
int clock_sleep_ms(long long ms);

#endif
