/*
 * lifecycle.h: the commands. Each runs its phases in order and releases
 * what it acquired in one place, in reverse: cancel, roll back, unlock,
 * disconnect; then exec or exit.
 */
#ifndef PGB_LIFECYCLE_H
#define PGB_LIFECYCLE_H

#include "config.h"
#include "error.h"

/*
 * Run cfg->command (run, migrate, plan, wait, status, verify). Returns the
 * exit status; for run on success it does not return (the app replaces
 * pgboot). err holds the failure, already logged.
 */
int lifecycle_main(struct pgb_config *cfg, struct pgb_error *err);

#endif
