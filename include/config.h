/*
 * config.h: the one option table. Every option is a flag and an environment
 * variable; a flag beats the variable, the variable beats the default.
 * Secret options also accept NAME_FILE (Docker/Kubernetes secrets) and are
 * scrubbed from argv so they do not show in ps. Everything after "--"
 * belongs to the app. config_load never exits and never prints: usage and
 * configuration errors come back in err (PGB_EXIT_USAGE or PGB_EXIT_CONFIG).
 */
#ifndef PGB_CONFIG_H
#define PGB_CONFIG_H

#include <stdio.h>

#include "error.h"
#include "log.h"

/* CMD_RUN, CMD_MIGRATE ... one per entry of commands.def, in its order */
enum pgb_command {
	CMD_NONE, /* no command given: usage on stderr, exit 2 */
#define COMMAND(id, name, needs, usage, summary, description) CMD_##id,
#include "commands.def"
#undef COMMAND
	CMD_COUNT
};

/*
 * What a command needs and does (commands.def's needs). The options it
 * takes, the exit statuses its --help lists and its termination log derive
 * from these bits; below the command layer nobody asks which command runs.
 */
enum command_needs {
	N_DB = 1 << 0,        /* connects, waiting for the database (69, 70, 77, 78, 128+N) */
	N_FILES = 1 << 1,     /* reads the migration files and the history table */
	N_SEEDS = 1 << 2,     /* reads the seed files always (the N_PLAN commands: with --with-test-data) */
	N_CHECKS = 1 << 3,    /* runs the checks (4), unless --no-verify */
	N_PLAN = 1 << 4,      /* plans the pending migrations: preflight, drift (5), --lock-timeout (75) */
	N_LOCK = 1 << 5,      /* applies them under the migration lock (3), then the database is ready */
	N_APP = 1 << 6,       /* becomes APP after "--" (126, 127); APP's status is pgboot's */
	N_DRY = 1 << 7,       /* takes --dry-run, which makes it plan */
	N_REPORT = 1 << 8,    /* writes a report on standard output (times read as text; drift is 5) */
	N_INVENTORY = 1 << 9, /* lists everything as it is: --json, a missing migrations directory
				 is empty, newer versions are listed rather than warned of */
	N_ROLLBACK = 1 << 10, /* rolls applied migrations back under the migration lock (3, 75), once
				 confirmed (10 otherwise), after the backup asked for (--save-backup) */
	N_PICK = 1 << 11,     /* chooses which applied migrations (--steps, --to, --all, --to-files) */
	N_RESET = 1 << 12,    /* rolls back every one, then empties the history of seeds (--drop-history) */
	N_PLAN_ROLLBACK = 1 << 13, /* takes --rollback: becomes rollback, showing its plan (exit 0) */
	N_ADOPT = 1 << 14,    /* takes over another tool's history (adopt.h): --from, --confirm (10 otherwise) */
	N_BASELINE = 1 << 15, /* records migrations up to --version as applied without running them, under the
				 lock, once confirmed (10 otherwise); the checks only with --verify-first */
	N_NEW = 1 << 16,      /* creates the next migration file from NAME, the word after the command; no database */
	N_LINT = 1 << 17,     /* lints the pending migrations or the FILEs named (lint.h): --offline, --lint-level, 6 */
};
/* an option every command takes */
#define N_ALL (~0u)

/* --lint: what the preflight does with the pending files' findings */
enum lint_mode { LINT_MODE_WARN, LINT_MODE_OFF, LINT_MODE_ERROR };

enum lock_mode {
	LOCK_SESSION,    /* a session advisory lock on the migrating connection (the default) */
	LOCK_TRANSACTION /* the whole run in one transaction under pg_advisory_xact_lock (PgBouncer) */
};

struct pgb_config {
	enum pgb_command command;
	enum pgb_command help_command; /* with CMD_HELP: CMD_NONE for general help */

	char *conninfo;        /* URL or keyword string; NULL: libpq's own defaults */
	char *conninfo_source; /* where it came from, for messages: "--database-url", "DATABASE_URL_FILE" ... */
	int own_conninfo;      /* from PGBOOT_DATABASE_URL(_FILE) or --database-url: DATABASE_URL is the app's */
	char *migrations_dir;  /* default "migrations" */
	char *layout;          /* default "auto": layout.h's member names, or auto */
	char *seeds_dir;       /* default "seeds" */
	char *verify_dir;      /* default "verify"; missing is fine unless set explicitly */
	int verify_dir_explicit;
	char *history_schema;  /* NULL: the session's current_schema() */
	char *history_table;   /* default "pgboot_migrations" */
	char *history_source;  /* where it was set, for messages: "--history-table", "PGBOOT_HISTORY_TABLE"; NULL: default */

	long long wait_timeout_ms;      /* default 60s */
	long long lock_timeout_ms;      /* default 5m */
	long long ddl_lock_timeout_ms;  /* default 10s, per attempt */
	int ddl_lock_retries;           /* default 5 attempts in all */
	long long statement_timeout_ms; /* default 0: none */
	enum lock_mode lock_mode;       /* default session */

	int with_test_data;     /* apply seeds */
	int allow_out_of_order;
	int strict;             /* future migrations (a newer release's) are drift */
	int no_verify;
	int no_batch;           /* one migration a message (apply.h's batches off) */
	int skip_migrate;       /* wait for another pgboot to apply everything */
	int json;               /* status --json */

	/* rollback: which migrations (at most one of the four), and whether it may run */
	int rollback_steps;     /* --steps N; 0: not given (1 when no other is) */
	char *rollback_to;      /* --to VERSION: every applied one newer than it */
	int rollback_all;       /* --all */
	int rollback_to_files;  /* --to-files: every applied one without a file here */
	int confirm;            /* --confirm: without it the plan is shown (exit 10) */
	int use_file_down;      /* --use-file-down: the file's down part rather than the stored one */
	char *save_backup;      /* --save-backup FILE: pg_dump before the first destructive statement */
	int drop_history;       /* reset --drop-history: drop the history table rather than leave it empty */
	int rollback_plan;      /* "plan --rollback": the plan only, exit 0; never confirmed */
	int adopt;              /* run/migrate --adopt: adopt another tool's history first (adopt.h) */
	char *adopt_from;       /* --from TOOL: whose history; NULL: the one found */
	char *adopt_map;        /* --map REVISION=VERSION (each one), PGBOOT_ADOPT_MAP: entries separated by commas
				   (adopt_map.h); NULL: none */
	char *adopt_map_file;   /* --map-file FILE: one REVISION=VERSION a line */

	char *baseline_version; /* baseline --version VERSION: the newest migration it records */
	int verify_first;       /* baseline --verify-first: record only when the checks pass */
	char *new_name;         /* new NAME */

	/* lint (lint.h) */
	int lint_mode;              /* --lint off|warn|error for migrate, run and plan: LINT_MODE_* */
	int lint_offline;           /* lint --offline: graded by the text alone */
	int lint_level;             /* lint --lint-level: enum lint_grade; default warning */
	long long lint_large_rows;  /* a table at or over this many rows is large (default 100000) */
	long long lint_large_bytes; /* ... or this size (default 100MB) */
	char **lint_files;          /* lint FILE...: the words after the command (borrowed from argv), NULL-terminated */
	int lint_nfiles;

	enum log_format log_format;
	enum log_level log_level;

	char **app_argv; /* run: APP and its arguments, NULL-terminated, borrowed from argv */
	int app_argc;
};

/* Fill cfg with the defaults (no environment, no flags). */
void config_init(struct pgb_config *cfg);
void config_free(struct pgb_config *cfg);

/*
 * Parse the environment, then argv (flags may stand before or after the
 * command name). Secrets are overwritten in argv. Returns 0, or -1 with err
 * set (2 for usage, 78 for a bad value, naming the flag or variable).
 *
 * cfg must come from config_init. Only the variables of the options the
 * command takes are read. The connection string, from any source, is
 * registered with log_add_conninfo.
 * On return:
 *   CMD_NONE     no command word: main prints the general help to stderr, exit 2
 *   CMD_HELP     print config_print_help(cfg->help_command) to stdout, exit 0;
 *                nothing else is parsed (no variables, no values)
 *   CMD_VERSION  print the version, exit 0 (--version anywhere wins)
 *   CMD_PLAN     also for "migrate --dry-run" (--dry-run is nothing else)
 *   CMD_RUN      app_argv/app_argc hold APP and its arguments (at least APP)
 */
int config_load(struct pgb_config *cfg, int argc, char **argv, struct pgb_error *err);

/* Write the help of a command (CMD_NONE: general help) to out. */
void config_print_help(enum pgb_command cmd, FILE *out);
/* The command's name as typed ("run", "migrate" ...); "" for CMD_NONE. */
const char *config_command_name(enum pgb_command cmd);
/* The command's N_* bits (0 for CMD_NONE). */
unsigned config_command_needs(enum pgb_command cmd);

/*
 * Remove every PGBOOT_* variable from the environment (before the exec),
 * and PGPASSWORD when owner_password says it served pgboot's own
 * connection string (the two-credential mode: it is the owner's).
 */
void config_scrub_environment(int owner_password);

#endif
