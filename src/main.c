/*
 * main.c: the table of contents. Read the configuration, set up logging
 * and signals, run the command; the exit status is the command's.
 */
#include <sodium.h>
#include <stdio.h>

#include "config.h"
#include "error.h"
#include "lifecycle.h"
#include "log.h"
#include "signals.h"
#include "version_info.h"

int main(int argc, char **argv)
{
	struct pgb_config cfg;
	struct pgb_error err;
	int code;
	pgb_error_init(&err);
	config_init(&cfg);
	log_setup(LOG_TEXT, LOG_INFO, -1);
	signals_install();
	if (sodium_init() < 0) {
		pgb_fail(&err, PGB_EXIT_INTERNAL, "could not initialize libsodium");
		log_error(&err);
		code = err.code;
		pgb_error_free(&err);
		return code;
	}
	if (config_load(&cfg, argc, argv, &err)) {
		log_setup(cfg.log_format, LOG_INFO, -1);
		log_error(&err);
		code = err.code;
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
		code = PGB_EXIT_USAGE;
		break;
	default:
		code = lifecycle_main(&cfg, &err);
		break;
	}
	pgb_error_free(&err);
	config_free(&cfg);
	return code;
}
