/*
 * cmd.h: the command layer's dispatch, git's builtin table. Every entry of
 * commands.def is run by its function cmd_<name>, declared here from the
 * same list; cmd_main picks it, logs its failure and leaves the termination
 * log the entry's needs ask for. A command function returns 0 or -1 with
 * err set; it may not return at all (run becomes APP).
 */
#ifndef PGB_CMD_H
#define PGB_CMD_H

#include "config.h"
#include "error.h"

#define COMMAND(id, name, needs, usage, summary, description) \
	int cmd_##name(struct pgb_config *cfg, struct pgb_error *err);
#include "commands.def"
#undef COMMAND

/*
 * Run cfg->command; no command: the general help on stderr and exit 2.
 * Returns the exit status, err holding the failure (already logged).
 */
int cmd_main(struct pgb_config *cfg, struct pgb_error *err);

#endif
