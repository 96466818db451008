/*
 * task.h: one piece of work run on a second thread while the caller does
 * something else (pgboot reads its files while the server authenticates
 * the connection). The thread blocks every signal, so signals reach the
 * main thread's handlers as before. If no thread can be created, the work
 * runs in task_start itself: the outcome is the same, only later.
 */
#ifndef PGB_TASK_H
#define PGB_TASK_H

#include <pthread.h>
#include <stdatomic.h>

#include "error.h"

typedef int (*task_fn)(void *arg, struct pgb_error *err);

struct task {
	task_fn fn;
	void *arg;
	pthread_t thread;
	int threaded; /* a thread runs fn and has not been joined */
	int rc;       /* fn's result once finished */
	atomic_int ended; /* 1 once fn has returned and rc and err hold its outcome */
	struct pgb_error err;
};

/* Start fn(arg); the caller must not touch what fn writes until task_finish. */
void task_start(struct task *t, task_fn fn, void *arg);
/* 1 once the work has ended in failure; does not wait. */
int task_failed(struct task *t);
/*
 * Wait for the work to end. Returns its result; the first call after a
 * failure moves the failure into err (later calls return -1 and leave err).
 */
int task_finish(struct task *t, struct pgb_error *err);

#endif
