/*
 * signals.h: SIGTERM, SIGINT and SIGQUIT. pgboot may run as PID 1, which
 * has no default handlers, so it installs its own. A handler only records
 * the signal and calls the one registered hook (db.c registers the cancel
 * of the statement now running); the code that waits or runs a statement
 * sees signals_received() and unwinds: roll back, unlock, exit 128+N
 * (pgb_fail_signal in error.h words the message). No dependency upward:
 * this module knows nothing of the database.
 */
#ifndef PGB_SIGNALS_H
#define PGB_SIGNALS_H

/* Called from the handler, after the signal is recorded: must be async-signal-safe. */
typedef void signals_hook(void);

void signals_install(void);
/* Register the hook (NULL: none); one at a time, a later call replaces it. */
void signals_set_hook(signals_hook *hook);
/* the first signal received (SIGTERM, SIGINT, SIGQUIT), or 0 */
int signals_received(void);
/* Restore the default dispositions and an empty mask (before the exec). */
void signals_restore(void);

#endif
