/* signals.c: stop cleanly on TERM/INT/QUIT, also as PID 1 (see signals.h). */
#include "signals.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t g_signal;
static signals_hook *volatile g_hook;
static const int g_handled[] = {SIGTERM, SIGINT, SIGQUIT};

static void on_signal(int sig)
{
	if (!g_signal)
		g_signal = sig;
	signals_hook *hook = g_hook;
	if (hook)
		hook();
}

void signals_set_hook(signals_hook *hook)
{
	g_hook = hook;
}

void signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocking poll() returns EINTR and the loop looks at the flag */
	for (size_t i = 0; i < sizeof(g_handled) / sizeof(g_handled[0]); i++)
		sigaction(g_handled[i], &sa, NULL);
	/* a closed pipe must be an error return, not a silent death */
	signal(SIGPIPE, SIG_IGN);
}

int signals_received(void)
{
	return g_signal;
}

/*
 * The C library keeps a few real-time signals for itself (glibc 32-33,
 * musl 32-34) and refuses sigaction() on them, yet a parent may have
 * ignored them and an ignored signal survives exec. Ask the kernel
 * directly: an all-zero kernel sigaction is SIG_DFL, no flags, an empty
 * mask, whatever the architecture's field order.
 */
static void restore_reserved(int sig)
{
#if defined(SYS_rt_sigaction) && (defined(__x86_64__) || defined(__aarch64__))
	unsigned long ksa[8];
	memset(ksa, 0, sizeof(ksa));
	syscall(SYS_rt_sigaction, sig, ksa, NULL, (size_t)8);
#else
	(void)sig;
#endif
}

void signals_restore(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &sa, NULL) != 0)
			restore_reserved(sig);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
