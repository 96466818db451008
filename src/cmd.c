/* cmd.c: pick the command's function and finish its exit (see cmd.h). */
#include "cmd.h"

#include <stdio.h>

#include "log.h"
#include "termlog.h"
#include "version_info.h"

typedef int command_fn(struct pgb_config *cfg, struct pgb_error *err);

static command_fn *const functions[CMD_COUNT] = {
#define COMMAND(id, name, needs, usage, summary, description) [CMD_##id] = cmd_##name,
#include "commands.def"
#undef COMMAND
};

int cmd_help(struct pgb_config *cfg, struct pgb_error *err)
{
	(void)err;
	config_print_help(cfg->help_command, stdout);
	return 0;
}

int cmd_version(struct pgb_config *cfg, struct pgb_error *err)
{
	(void)cfg;
	(void)err;
	printf("pgboot %s\n", PGBOOT_VERSION);
	return 0;
}

/*
 * Every exit of a command that connects leaves its summary (help and
 * version do not): "database ready" when success means the database can
 * serve the app (it applied, or only waited), else "<name> done".
 */
static void leave_summary(enum pgb_command cmd, int code, const struct pgb_error *err)
{
	unsigned needs = config_command_needs(cmd);
	if (!(needs & N_DB))
		return;
	int ready = (needs & N_LOCK) || !(needs & N_FILES);
	termlog_write(config_command_name(cmd), ready, code, err);
}

int cmd_main(struct pgb_config *cfg, struct pgb_error *err)
{
	if (cfg->command == CMD_NONE) {
		config_print_help(CMD_NONE, stderr);
		pgb_fail(err, PGB_EXIT_USAGE, "no command given");
		termlog_write(NULL, 0, err->code, err);
		return err->code;
	}
	enum pgb_command cmd = cfg->command;
	int code = functions[cmd](cfg, err) ? err->code : 0;
	if (code)
		log_error(err);
	leave_summary(cmd, code, err);
	return code;
}
