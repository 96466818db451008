/* test_signals.c: signals.c records the first signal and calls the one hook; pgb_fail_signal's wording. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "error.h"
#include "signals.h"

static int g_pipe[2];

static void hook(void)
{
	char c = 'h';
	ssize_t n = write(g_pipe[1], &c, 1); /* async-signal-safe */
	(void)n;
}

/* In a child, which keeps the signal: 0 when every expectation held, else the first that failed. */
static int child(void)
{
	signals_install();
	if (signals_received() != 0)
		return 1;
	signals_set_hook(hook);
	raise(SIGTERM);
	char c = 0;
	if (read(g_pipe[0], &c, 1) != 1 || c != 'h')
		return 2;
	if (signals_received() != SIGTERM)
		return 3;
	raise(SIGINT); /* the first one stays; the hook runs again */
	if (read(g_pipe[0], &c, 1) != 1 || signals_received() != SIGTERM)
		return 4;
	signals_set_hook(NULL);
	raise(SIGQUIT); /* no hook: recorded only, and the process lives on */
	if (signals_received() != SIGTERM)
		return 5;
	if (clock_sleep_ms(10000) != 1) /* a sleep ends at once once a signal came */
		return 6;
	return 0;
}

TEST(signals_record_the_first_and_call_the_hook)
{
	CHECK_INT(pipe(g_pipe), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child());
	int status = 0;
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	close(g_pipe[0]);
	close(g_pipe[1]);
}

TEST(signals_one_wording_for_a_stop)
{
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(pgb_fail_signal(&err, SIGTERM, "while waiting for the %s", "database"), -1);
	CHECK_INT(err.code, 128 + SIGTERM);
	CHECK_STR(err.message, "stopped by signal 15 while waiting for the database");
	/* the first failure wins */
	CHECK_INT(pgb_fail_signal(&err, SIGINT, NULL), -1);
	CHECK_STR(err.message, "stopped by signal 15 while waiting for the database");
	pgb_error_free(&err);
	pgb_fail_signal(&err, SIGINT, NULL);
	CHECK_INT(err.code, 130);
	CHECK_STR(err.message, "stopped by signal 2");
	pgb_error_free(&err);
}
