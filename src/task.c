/* task.c: work on a second thread, signals blocked (see task.h). */
#include "task.h"

#include <signal.h>
#include <string.h>

static void *task_main(void *arg)
{
	struct task *t = arg;
	t->rc = t->fn(t->arg, &t->err);
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
	t->threaded = pthread_create(&t->thread, NULL, task_main, t) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!t->threaded)
		task_main(t);
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
