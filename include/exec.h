/*
 * exec.h: become the app. Removes the PGBOOT_* variables (and PGPASSWORD
 * when owner_password: it served pgboot's own connection string, see
 * config_scrub_environment), restores the default signal dispositions and
 * mask, then execvp. Returns only on failure: 127 when the app is not
 * found, 126 when it cannot be executed.
 */
#ifndef PGB_EXEC_H
#define PGB_EXEC_H

#include "error.h"

int exec_app(char **argv, int owner_password, struct pgb_error *err);


#endif
