/*
 * main.c: the table of contents. Read the configuration, set up logging
 * and signals, run the command; the exit status is the command's, and every
 * exit that is not an exec leaves its summary in the termination log.
 */
#include <sodium.h>
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "signals.h"
#include "termlog.h"

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
		termlog_write(NULL, 0, code, &err);
		pgb_error_free(&err);
		return code;
	}
	if (config_load(&cfg, argc, argv, &err)) {
		log_setup(cfg.log_format, LOG_INFO, -1);
		log_error(&err);
		code = err.code;
		termlog_write(NULL, 0, code, &err);
		pgb_error_free(&err);
		config_free(&cfg);
		return code;
	}
	log_setup(cfg.log_format, cfg.log_level, -1);
	/* returns only when pgboot exits rather than exec'ing the app (or the exec failed) */
	code = cmd_main(&cfg, &err);
	pgb_error_free(&err);
	config_free(&cfg);
	return code;
}
