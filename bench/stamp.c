/* stamp: the benchmark's "app". Its first instruction writes the wall-clock
 * time (CLOCK_REALTIME, seconds.nanoseconds) to the file named by argv[1], so
 * the readiness scenario can tell when the app started. */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (argc < 2)
		return 0;
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	if (write(fd, buf, (size_t)n) != n)
		return 1;
	return close(fd) != 0;
}
