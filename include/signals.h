/*
 * signals.h: SIGTERM, SIGINT and SIGQUIT. pgboot may run as PID 1, which
 * has no default handlers, so it installs its own. A handler only records
 * the signal and asks the server to cancel the active statement
 * (db_cancel_active); the code that waits or runs a statement sees
 * signals_received() and unwinds: roll back, unlock, exit 128+N.
 */
#ifndef PGB_SIGNALS_H
#define PGB_SIGNALS_H

void signals_install(void);
/* the first signal received (SIGTERM, SIGINT, SIGQUIT), or 0 */
int signals_received(void);
/* Restore the default dispositions and an empty mask (before the exec). */
void signals_restore(void);

#endif
