/* task.c: work on a second thread, signals blocked (see task.h). */
#include "task.h"

#include <signal.h>
#include <string.h>

/* musl gives a thread 128 KiB; the loader's deepest path is far below this */
#define TASK_STACK (1024 * 1024)

static void *task_main(void *arg)
{
	struct task *t = arg;
	t->rc = t->fn(t->arg, &t->err);
	atomic_store_explicit(&t->ended, 1, memory_order_release);
	return NULL;
}

void task_start(struct task *t, task_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	pgb_error_init(&t->err);
	/* the new thread inherits this mask: only the main thread sees TERM, INT and QUIT */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_t attr;
	int have_attr = pthread_attr_init(&attr) == 0;
	if (have_attr)
		pthread_attr_setstacksize(&attr, TASK_STACK);
	t->threaded = pthread_create(&t->thread, have_attr ? &attr : NULL, task_main, t) == 0;
	if (have_attr)
		pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!t->threaded)
		task_main(t);
}

int task_failed(struct task *t)
{
	return atomic_load_explicit(&t->ended, memory_order_acquire) && t->rc != 0;
}

int task_finish(struct task *t, struct pgb_error *err)
{
	if (t->threaded) {
		pthread_join(t->thread, NULL);
		t->threaded = 0;
	}
	if (t->rc && t->err.code)
		pgb_error_move(err, &t->err);
	return t->rc;
}
