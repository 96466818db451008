/* clock.c: monotonic time and interruptible sleeps (see clock.h). */
#include "clock.h"

#include <time.h>

#include "signals.h"

long long clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_sleep_ms(long long ms)
{
	long long end = clock_now_ms() + ms;
	while (!signals_received()) {
		long long left = end - clock_now_ms();
		if (left <= 0)
			return 0;
		/* short steps bound the delay when a signal lands just before nanosleep */
		long long step = left < 20 ? left : 20;
		struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return 1;
}
