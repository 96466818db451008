/*
 * main.c: the table of contents. Read the configuration, set up logging
 * and signals, run the command; the exit status is the command's, and every
 * exit that is not an exec leaves its summary in the termination log.
 */
#include <sodium.h>
#include <stdio.h>

#include "config.h"
#include "error.h"
#include "lifecycle.h"
#include "log.h"
#include "signals.h"
#include "termlog.h"
#include "version_info.h"

int main(int argc, char **argv)
{
	struct pgb_config cfg;
	struct pgb_error err;
	int code;
	pgb_error_init(&err);
	config_init(&cfg);
	log_setup(LOG_TEXT, LOG_INFO, -1);
	termlog_init();
	signals_install();
	if (sodium_init() < 0) {
		pgb_fail(&err, PGB_EXIT_INTERNAL, "could not initialize libsodium");
		log_error(&err);
		code = err.code;
		termlog_write(NULL, code, &err);
		pgb_error_free(&err);
		return code;
	}
	if (config_load(&cfg, argc, argv, &err)) {
		log_setup(cfg.log_format, LOG_INFO, -1);
		log_error(&err);
		code = err.code;
		termlog_write(NULL, code, &err);
		pgb_error_free(&err);
		config_free(&cfg);
		return code;
	}
	log_setup(cfg.log_format, cfg.log_level, -1);
	code = 0;
	switch (cfg.command) {
	case CMD_HELP:
		config_print_help(cfg.help_command, stdout);
		break;
	case CMD_VERSION:
		printf("pgboot %s\n", PGBOOT_VERSION);
		break;
	case CMD_NONE:
		config_print_help(CMD_NONE, stderr);
		pgb_fail(&err, PGB_EXIT_USAGE, "no command given");
		code = PGB_EXIT_USAGE;
		termlog_write(NULL, code, &err);
		break;
	default:
		/* returns only when pgboot exits rather than exec'ing the app (or the exec failed) */
		code = lifecycle_main(&cfg, &err);
		termlog_write(config_command_name(cfg.command), code, &err);
		break;
	}
	pgb_error_free(&err);
	config_free(&cfg);
	return code;
}
