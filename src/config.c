/*
 * config.c: the one option table (see config.h).
 *
 * The table below is the single source of truth: the argv scanner, the
 * environment reader, the defaults (config_init runs each option's setter
 * on its default text) and --help are all generated from it. Loading is
 * three steps: scan argv (find the command, note every flag, scrub
 * secrets), read the environment for the options the command takes and no
 * flag set, then apply the flags in the order given. So a flag beats its
 * variable, a variable beats the default, and a later flag beats an
 * earlier one.
 */
#include "config.h"
#include "lint.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adopt_map.h"
#include "duration.h"
#include "redact.h"
#include "strbuf.h"
#include "xmem.h"

extern char **environ;

#define USAGE_HINT "Try \"pgboot --help\" for more information."
#define BOOL_HINT "Use 1, true, yes or on, or 0, false, no or off."
/* a connection string in a file larger than this is a mistake (a wrong path) */
#define CONNINFO_FILE_MAX (64 * 1024)
#define IDENT_MAX 63

/* ---- commands ------------------------------------------------------------- */

struct command_def {
	enum pgb_command cmd;
	const char *name;
	unsigned needs;      /* enum command_needs */
	const char *usage;   /* after "pgboot " */
	const char *summary; /* one line in the general help */
	const char *description;
};

static const struct command_def commands[] = {
#define COMMAND(id, word, needs, usage, summary, description) {CMD_##id, #word, needs, usage, summary, description},
#include "commands.def"
#undef COMMAND
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command_def *command_by_name(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static const struct command_def *command_by_id(enum pgb_command cmd)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].cmd == cmd)
			return &commands[i];
	return NULL;
}

const char *config_command_name(enum pgb_command cmd)
{
	const struct command_def *c = command_by_id(cmd);
	return c ? c->name : "";
}

unsigned config_command_needs(enum pgb_command cmd)
{
	const struct command_def *c = command_by_id(cmd);
	return c ? c->needs : 0;
}

/* needs: an option's or an exit status's N_* bits (N_ALL: every command) */
static int applies(unsigned needs, enum pgb_command cmd)
{
	return needs == N_ALL || (needs & config_command_needs(cmd)) != 0;
}

/* ---- exit statuses, as in exitcode.h and DESIGN.md ---------------------- */

struct exit_row {
	int code; /* PGB_EXIT_SIGNAL is shown as 128+N */
	const char *meaning;
	unsigned needs;  /* listed for the commands with one of these N_* bits */
	unsigned unless; /* ... and none of these */
};

static const struct exit_row exit_rows[] = {
	{PGB_EXIT_OK, "success", N_ALL, N_APP},
	{PGB_EXIT_USAGE, "usage error: unknown option, missing argument", N_ALL, 0},
	{PGB_EXIT_MIGRATION, "a migration or seed failed (rolled back)", N_LOCK, 0},
	{PGB_EXIT_MIGRATION, "a migration or seed failed (here: a down part, rolled back; newer ones stay rolled back)", N_ROLLBACK, 0},
	{PGB_EXIT_VERIFY, "verification failed", N_CHECKS, 0},
	{PGB_EXIT_DRIFT, "history and files disagree (changed, missing, out of order)", N_PLAN | N_REPORT | N_BASELINE, 0},
	{PGB_EXIT_DRIFT, "history and files disagree (--to-files: an older file missing or changed)", N_PICK,
	 N_PLAN | N_REPORT},
	{PGB_EXIT_UNCONFIRMED, "without --confirm (rollback, reset): the plan was shown, nothing changed", N_ROLLBACK, 0},
	{PGB_EXIT_UNCONFIRMED, "without --confirm: what would be recorded was shown, nothing changed", N_BASELINE, 0},
	{PGB_EXIT_LINT, "lint: a finding graded at --lint-level or above", N_LINT, 0},
	{PGB_EXIT_LINT, "lint: with --lint error, a pending migration has a finding graded error (nothing applied)", N_PLAN, 0},
	{PGB_EXIT_DRIFT, "the other tool's history is not clean, or names a migration with no file here", N_ADOPT, 0},
	{PGB_EXIT_UNCONFIRMED, "adopt without --confirm: the plan was shown, nothing changed", N_ADOPT, 0},
	{PGB_EXIT_LOCK, "migration lock (or the other tool's) not acquired within --lock-timeout", N_ADOPT, 0},
	{PGB_EXIT_UNAVAILABLE, "database not available within --wait-timeout", N_DB, N_ROLLBACK},
	{PGB_EXIT_UNAVAILABLE, "database not available within --wait-timeout (or --save-backup's pg_dump failed)",
	 N_ROLLBACK, 0},
	{PGB_EXIT_INTERNAL, "internal error", N_DB, 0},
	{PGB_EXIT_LOCK, "migration lock not acquired within --lock-timeout, or released by a file",
	 N_PLAN | N_ROLLBACK | N_BASELINE, 0},
	{PGB_EXIT_AUTH, "authentication or permission denied", N_DB, 0},
	{PGB_EXIT_CONFIG, "configuration error (bad URL, unreadable directory, bad file name)", N_DB | N_FILES | N_NEW, 0},
	{PGB_EXIT_NOEXEC, "APP exists but cannot be executed", N_APP, 0},
	{PGB_EXIT_NOTFOUND, "APP not found", N_APP, 0},
	{PGB_EXIT_SIGNAL, "stopped by signal N (SIGTERM, SIGINT, SIGQUIT)", N_DB, 0},
};

/* ---- the option table ----------------------------------------------------- */

enum opt_flags {
	OPT_SECRET = 1 << 0,      /* scrubbed from argv; NAME_FILE variables are read too */
	OPT_ENV2_NEGATED = 1 << 1, /* env2 means the opposite (AUTO_MIGRATE=false) */
	OPT_HELP = 1 << 2,
	OPT_VERSION = 1 << 3,
};

struct opt;
/*
 * Set the option from text. val is NULL for a flag without argument; src
 * names where val came from ("--wait-timeout", "PGBOOT_WAIT_TIMEOUT") for
 * messages, and is NULL when config_init applies the default.
 */
typedef int opt_setter(struct pgb_config *cfg, const struct opt *o, const char *val,
		       const char *src, struct pgb_error *err);

struct opt {
	const char *name;     /* long name, without "--" */
	char short_name;      /* 0: none */
	const char *metavar;  /* NULL: a flag that takes no argument */
	const char *env;      /* the variable, or NULL */
	const char *env2;     /* the variable read when env is unset, or NULL */
	unsigned needs;       /* the commands with one of these N_* bits take it (N_ALL: every one) */
	unsigned flags;       /* enum opt_flags */
	opt_setter *set;
	size_t off;           /* the field of struct pgb_config the setter fills */
	const char *def;      /* the default as text, applied by config_init */
	const char *def_help; /* how --help shows the default, when def does not say it */
	long min, max;        /* integers: the range; constant setters: the value (min) */
	const char *help;
};

static opt_setter set_dry_run, set_string, set_verify_dir, set_conninfo, set_history, set_duration,
	set_int, set_bool, set_log_format, set_log_level, set_log_level_const, set_lock_mode, set_adopt_map, set_lint_mode,
	set_lint_level, set_count, set_size;

#define OFF(field) offsetof(struct pgb_config, field)

static const struct opt options[] = {
	{.name = "database-url", .metavar = "URL", .env = "PGBOOT_DATABASE_URL",
	 .env2 = "DATABASE_URL", .needs = N_DB, .flags = OPT_SECRET, .set = set_conninfo,
	 .off = OFF(conninfo), .def_help = "libpq's PGHOST, PGUSER ... variables",
	 .help = "connection string: a URL or libpq keywords"},
	{.name = "migrations", .metavar = "DIR", .env = "PGBOOT_MIGRATIONS", .needs = N_FILES | N_NEW,
	 .set = set_string, .off = OFF(migrations_dir), .def = "migrations",
	 .help = "directory of the migration files"},
	{.name = "layout", .metavar = "NAME", .env = "PGBOOT_LAYOUT", .needs = N_FILES | N_NEW,
	 .set = set_string, .off = OFF(layout), .def = "auto",
	 .help = "the migrations' layout: auto, pgboot, dbmate, golang-migrate, goose, sql-migrate, flyway, "
		 "diesel, drizzle, prisma, node-pg-migrate, pop"},
	{.name = "seeds", .metavar = "DIR", .env = "PGBOOT_SEEDS", .needs = N_PLAN | N_SEEDS,
	 .set = set_string, .off = OFF(seeds_dir), .def = "seeds",
	 .help = "directory of the seed files (test data)"},
	{.name = "with-test-data", .env = "PGBOOT_WITH_TEST_DATA", .needs = N_PLAN,
	 .set = set_bool, .off = OFF(with_test_data), .def_help = "off",
	 .help = "apply the seeds too"},
	{.name = "verify", .metavar = "DIR", .env = "PGBOOT_VERIFY",
	 .needs = N_CHECKS, .set = set_verify_dir, .off = OFF(verify_dir),
	 .def = "verify", .help = "directory of the checks (may be missing unless named)"},
	{.name = "no-verify", .env = "PGBOOT_NO_VERIFY", .needs = N_LOCK | N_ROLLBACK, .set = set_bool,
	 .off = OFF(no_verify), .def_help = "verify on", .help = "skip the checks"},
	{.name = "no-batch", .env = "PGBOOT_NO_BATCH", .needs = N_LOCK, .set = set_bool, .off = OFF(no_batch),
	 .def_help = "batches on",
	 .help = "send each migration in a message of its own, not consecutive ones together"},
	{.name = "skip-migrate", .env = "PGBOOT_SKIP_MIGRATE", .env2 = "AUTO_MIGRATE",
	 .needs = N_APP, .flags = OPT_ENV2_NEGATED, .set = set_bool,
	 .off = OFF(skip_migrate), .def_help = "migrate on",
	 .help = "apply nothing; wait until another pgboot has applied every migration"},
	{.name = "allow-out-of-order", .env = "PGBOOT_ALLOW_OUT_OF_ORDER", .needs = N_FILES,
	 .set = set_bool, .off = OFF(allow_out_of_order), .def_help = "off",
	 .help = "apply pending migrations older than the newest applied one"},
	{.name = "strict", .env = "PGBOOT_STRICT", .needs = N_FILES, .set = set_bool, .off = OFF(strict),
	 .def_help = "off", .help = "refuse applied versions newer than every file (exit 5)"},
	{.name = "dry-run", .env = "PGBOOT_DRY_RUN", .needs = N_DRY, .set = set_dry_run,
	 .off = OFF(command), .def_help = "off",
	 .help = "show what would run, change nothing (= plan)"},
	{.name = "history-table", .metavar = "[SCHEMA.]NAME", .env = "PGBOOT_HISTORY_TABLE",
	 .needs = N_FILES, .set = set_history, .off = OFF(history_table),
	 .def = "pgboot_migrations", .help = "the history table (unquoted: folded to lower case)"},
	{.name = "wait-timeout", .metavar = "DUR", .env = "PGBOOT_WAIT_TIMEOUT", .needs = N_DB,
	 .set = set_duration, .off = OFF(wait_timeout_ms), .def = "60s",
	 .help = "how long to wait for the database"},
	{.name = "lock-timeout", .metavar = "DUR", .env = "PGBOOT_LOCK_TIMEOUT", .needs = N_PLAN | N_ROLLBACK | N_ADOPT | N_BASELINE,
	 .set = set_duration, .off = OFF(lock_timeout_ms), .def = "5m",
	 .help = "how long to wait for another pgboot's migration lock"},
	{.name = "lock-mode", .metavar = "session|transaction", .env = "PGBOOT_LOCK_MODE",
	 .needs = N_DB, .set = set_lock_mode, .off = OFF(lock_mode), .def = "session",
	 .help = "transaction: one transaction for the whole run and nothing set for the session, "
		 "for PgBouncer's transaction pooling"},
	{.name = "ddl-lock-timeout", .metavar = "DUR", .env = "PGBOOT_DDL_LOCK_TIMEOUT",
	 .needs = N_LOCK | N_ROLLBACK, .set = set_duration, .off = OFF(ddl_lock_timeout_ms), .def = "10s",
	 .help = "lock_timeout of each attempt at a migration"},
	{.name = "ddl-lock-retries", .metavar = "N", .env = "PGBOOT_DDL_LOCK_RETRIES",
	 .needs = N_LOCK | N_ROLLBACK, .set = set_int, .off = OFF(ddl_lock_retries), .def = "5", .min = 1,
	 .max = 100, .help = "attempts at a migration that waits for a lock (1-100)"},
	{.name = "statement-timeout", .metavar = "DUR", .env = "PGBOOT_STATEMENT_TIMEOUT",
	 .needs = N_DB, .set = set_duration, .off = OFF(statement_timeout_ms), .def = "0",
	 .def_help = "0, none", .help = "statement_timeout of pgboot's own session"},
	{.name = "steps", .metavar = "N", .needs = N_PICK, .set = set_int, .off = OFF(rollback_steps),
	 .def_help = "1", .min = 1, .max = 1000000, .help = "roll back the N newest applied migrations"},
	{.name = "to", .metavar = "VERSION", .needs = N_PICK, .set = set_string, .off = OFF(rollback_to),
	 .help = "roll back every applied migration newer than VERSION (VERSION stays)"},
	{.name = "all", .needs = N_PICK, .set = set_bool, .off = OFF(rollback_all),
	 .help = "roll back every applied migration"},
	{.name = "to-files", .needs = N_PICK, .set = set_bool, .off = OFF(rollback_to_files),
	 .help = "roll back every applied migration that has no file here (a newer release's)"},
	{.name = "confirm", .env = "PGBOOT_CONFIRM", .needs = N_ROLLBACK | N_ADOPT | N_BASELINE, .set = set_bool,
	 .off = OFF(confirm), .def_help = "off: show the plan, exit 10",
	 .help = "do what the plan shows; without it nothing is changed"},
	{.name = "adopt", .env = "PGBOOT_ADOPT", .needs = N_LOCK, .set = set_bool, .off = OFF(adopt),
	 .def_help = "off",
	 .help = "first take over another tool's history (as \"pgboot adopt --confirm\"), and hold its lock key too"},
	{.name = "from", .metavar = "TOOL", .env = "PGBOOT_ADOPT_FROM", .needs = N_ADOPT | N_LOCK, .set = set_string,
	 .off = OFF(adopt_from), .def_help = "the one whose table is found",
	 .help = "whose history to adopt: dbmate, golang-migrate, goose, sql-migrate, sqlx, node-pg-migrate, flyway, "
		 "diesel, drizzle, prisma, sqitch, alembic"},
	{.name = "map", .metavar = "REVISION=VERSION", .env = "PGBOOT_ADOPT_MAP", .needs = N_ADOPT | N_LOCK,
	 .set = set_adopt_map, .off = OFF(adopt_map), .def_help = "none",
	 .help = "adopt: the local version another tool's id stands for (Alembic's head revision); repeatable"},
	{.name = "map-file", .metavar = "FILE", .env = "PGBOOT_ADOPT_MAP_FILE", .needs = N_ADOPT | N_LOCK,
	 .set = set_string, .off = OFF(adopt_map_file), .def_help = "none",
	 .help = "adopt: REVISION=VERSION lines (# comments) saying the same"},
	{.name = "use-file-down", .env = "PGBOOT_USE_FILE_DOWN", .needs = N_ROLLBACK, .set = set_bool,
	 .off = OFF(use_file_down), .def_help = "the stored one",
	 .help = "run the file's down part, not the one stored in the history at apply time"},
	{.name = "save-backup", .metavar = "FILE", .env = "PGBOOT_SAVE_BACKUP", .needs = N_ROLLBACK,
	 .set = set_string, .off = OFF(save_backup), .def_help = "none",
	 .help = "before changing anything, pg_dump --format=custom (from PATH) into FILE"},
	{.name = "drop-history", .env = "PGBOOT_DROP_HISTORY", .needs = N_RESET, .set = set_bool,
	 .off = OFF(drop_history), .def_help = "the history table stays, empty",
	 .help = "drop the history table after rolling everything back"},
	{.name = "rollback", .needs = N_PLAN_ROLLBACK, .set = set_bool, .off = OFF(rollback_plan),
	 .help = "show what \"rollback\" would undo instead; it takes rollback's options"},
	/* shadows the "version" below for baseline (option_lookup): after the word baseline it takes VERSION */
	{.name = "version", .metavar = "VERSION", .env = "PGBOOT_BASELINE_VERSION", .needs = N_BASELINE,
	 .set = set_string, .off = OFF(baseline_version),
	 .help = "record every migration file up to and including VERSION (required)"},
	{.name = "verify-first", .env = "PGBOOT_VERIFY_FIRST", .needs = N_BASELINE, .set = set_bool,
	 .off = OFF(verify_first), .def_help = "off",
	 .help = "run the checks first; record nothing unless they pass"},
	{.name = "json", .env = "PGBOOT_JSON", .needs = N_INVENTORY | N_LINT, .set = set_bool, .off = OFF(json),
	 .def_help = "off",
	 .help = "write the status (lint: the findings) as JSON to standard output"},
	{.name = "lint", .metavar = "off|warn|error", .env = "PGBOOT_LINT", .needs = N_PLAN, .set = set_lint_mode,
	 .off = OFF(lint_mode), .def = "warn",
	 .help = "lint the pending migrations before applying them: warn logs the findings, error refuses a "
		 "finding graded error (exit 6, nothing applied), off parses nothing"},
	{.name = "offline", .env = "PGBOOT_LINT_OFFLINE", .needs = N_LINT, .set = set_bool, .off = OFF(lint_offline),
	 .def_help = "off: graded by the server when one answers", .help = "grade by the text alone, every file, no database"},
	{.name = "lint-level", .metavar = "info|warning|error", .env = "PGBOOT_LINT_LEVEL", .needs = N_LINT,
	 .set = set_lint_level, .off = OFF(lint_level), .def = "warning",
	 .help = "the lowest grade that makes \"lint\" exit 6"},
	{.name = "lint-large-rows", .metavar = "N", .env = "PGBOOT_LINT_LARGE_ROWS", .needs = N_LINT | N_PLAN,
	 .set = set_count, .off = OFF(lint_large_rows), .def = "100000",
	 .help = "lint: a table with at least N estimated rows is large"},
	{.name = "lint-large-size", .metavar = "SIZE", .env = "PGBOOT_LINT_LARGE_SIZE", .needs = N_LINT | N_PLAN,
	 .set = set_size, .off = OFF(lint_large_bytes), .def = "100MB",
	 .help = "lint: a table of at least SIZE (kB, MB, GB, TB; 1024-based) is large"},
	{.name = "log-format", .metavar = "text|json", .env = "PGBOOT_LOG_FORMAT", .needs = N_ALL,
	 .set = set_log_format, .off = OFF(log_format), .def = "text",
	 .help = "format of the messages on standard error"},
	{.name = "log-level", .metavar = "LEVEL", .env = "PGBOOT_LOG_LEVEL", .needs = N_ALL,
	 .set = set_log_level, .off = OFF(log_level), .def = "info",
	 .help = "debug, info, warning or error"},
	{.name = "quiet", .short_name = 'q', .needs = N_ALL, .set = set_log_level_const,
	 .off = OFF(log_level), .min = LOG_WARNING, .help = "only warnings and errors"},
	{.name = "verbose", .short_name = 'v', .needs = N_ALL, .set = set_log_level_const,
	 .off = OFF(log_level), .min = LOG_DEBUG, .help = "debug messages too"},
	{.name = "version", .short_name = 'V', .needs = N_ALL, .flags = OPT_VERSION,
	 .help = "show the version, then exit"},
	{.name = "help", .short_name = 'h', .needs = N_ALL, .flags = OPT_HELP,
	 .help = "show this help, then exit"},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/*
 * A name may stand twice in the table (baseline's --version VERSION before
 * the --version every command takes): the first entry the command takes
 * wins, else the last (with no command yet, the one every command takes).
 */
static const struct opt *option_by_long(const char *name, size_t len, enum pgb_command cmd)
{
	const struct opt *found = NULL;
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strlen(options[i].name) != len || strncmp(options[i].name, name, len) != 0)
			continue;
		if (cmd != CMD_NONE && applies(options[i].needs, cmd))
			return &options[i];
		found = &options[i];
	}
	return found;
}

/* 1 when an earlier entry of o's name is the one cmd takes (its --help shows that one only) */
static int shadowed(const struct opt *o, enum pgb_command cmd)
{
	for (const struct opt *e = options; e < o; e++)
		if (strcmp(e->name, o->name) == 0 && applies(e->needs, cmd))
			return 1;
	return 0;
}

static const struct opt *option_by_short(char c)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (options[i].short_name && options[i].short_name == c)
			return &options[i];
	return NULL;
}

/* ---- setters ---------------------------------------------------------------- */

#define FIELD(cfg, o, type) ((type *)((char *)(cfg) + (o)->off))

static int bad_value(struct pgb_error *err, const struct opt *o, const char *val, const char *src)
{
	return pgb_fail(err, PGB_EXIT_CONFIG, "invalid value for \"%s\": \"%s\"",
			src ? src : o->name, val ? val : "");
}

static int set_string(struct pgb_config *cfg, const struct opt *o, const char *val,
		      const char *src, struct pgb_error *err)
{
	if (!val || !*val) {
		bad_value(err, o, val, src);
		pgb_error_detail(err, "The value cannot be empty.");
		return -1;
	}
	char **field = FIELD(cfg, o, char *);
	free(*field);
	*field = xstrdup(val);
	return 0;
}

/* --map adds its entries to those before it (checked now: a bad entry is 78 before anything connects) */
static int set_adopt_map(struct pgb_config *cfg, const struct opt *o, const char *val,
			 const char *src, struct pgb_error *err)
{
	struct adopt_map m = {0};
	int rc = adopt_map_add(&m, val ? val : "", src ? src : o->name, 1, err);
	size_t n = m.n;
	adopt_map_free(&m);
	if (rc)
		return -1;
	if (n == 0) {
		bad_value(err, o, val, src);
		pgb_error_detail(err, "The value cannot be empty.");
		return -1;
	}
	char *joined = cfg->adopt_map ? xasprintf("%s,%s", cfg->adopt_map, val) : xstrdup(val);
	free(cfg->adopt_map);
	cfg->adopt_map = joined;
	return 0;
}

static int set_verify_dir(struct pgb_config *cfg, const struct opt *o, const char *val,
			  const char *src, struct pgb_error *err)
{
	if (set_string(cfg, o, val, src, err) != 0)
		return -1;
	cfg->verify_dir_explicit = src != NULL;
	return 0;
}

static int set_conninfo(struct pgb_config *cfg, const struct opt *o, const char *val,
			const char *src, struct pgb_error *err)
{
	if (!val || !*val) {
		bad_value(err, o, val, src);
		pgb_error_detail(err, "The value cannot be empty.");
		return -1;
	}
	secret_free(cfg->conninfo);
	free(cfg->conninfo_source);
	cfg->conninfo = xstrdup(val);
	cfg->conninfo_source = xstrdup(src ? src : "--database-url");
	cfg->own_conninfo = !src || strncmp(src, "DATABASE_URL", 12) != 0;
	log_add_conninfo(val);
	return 0;
}

static int is_ident(const char *s, size_t n)
{
	if (n == 0 || n > IDENT_MAX || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$'))
			return 0;
	return 1;
}

/* PostgreSQL folds unquoted identifiers to lower case; so does pgboot. */
static char *ident_dup(const char *s, size_t n)
{
	char *d = xstrndup(s, n);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static int set_history(struct pgb_config *cfg, const struct opt *o, const char *val,
		       const char *src, struct pgb_error *err)
{
	const char *dot = val ? strchr(val, '.') : NULL;
	const char *name = dot ? dot + 1 : val;
	if (!val || (dot && !is_ident(val, (size_t)(dot - val))) || !is_ident(name, strlen(name))) {
		bad_value(err, o, val, src);
		pgb_error_detail(err, "The history table is NAME or SCHEMA.NAME; each starts with a letter "
				      "or underscore, goes on with letters, digits, underscores or "
				      "dollar signs, and has at most %d bytes.", IDENT_MAX);
		return -1;
	}
	free(cfg->history_schema);
	free(cfg->history_table);
	cfg->history_schema = dot ? ident_dup(val, (size_t)(dot - val)) : NULL;
	cfg->history_table = ident_dup(name, strlen(name));
	free(cfg->history_source);
	cfg->history_source = src ? xstrdup(src) : NULL;
	return 0;
}

static int set_duration(struct pgb_config *cfg, const struct opt *o, const char *val,
			const char *src, struct pgb_error *err)
{
	char flag[64];
	snprintf(flag, sizeof(flag), "--%s", o->name);
	return duration_parse(val, src ? src : flag, FIELD(cfg, o, long long), err);
}

static int set_int(struct pgb_config *cfg, const struct opt *o, const char *val,
		   const char *src, struct pgb_error *err)
{
	char *end;
	errno = 0;
	long v = val ? strtol(val, &end, 10) : 0;
	if (!val || !isdigit((unsigned char)val[0]) || *end || errno || v < o->min || v > o->max) {
		bad_value(err, o, val, src);
		pgb_error_detail(err, "The value must be a whole number from %ld to %ld.", o->min, o->max);
		return -1;
	}
	*FIELD(cfg, o, int) = (int)v;
	return 0;
}

/* 1 or 0 for the words of a boolean variable, -1 for anything else */
static int parse_bool(const char *s)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off", ""};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* A boolean option's value: 1 or 0 (a flag without argument is 1), or -1 with err. */
static int bool_value(const struct opt *o, const char *val, const char *src, struct pgb_error *err)
{
	int v = val ? parse_bool(val) : 1;
	if (v < 0) {
		bad_value(err, o, val, src);
		pgb_error_hint(err, BOOL_HINT);
	}
	return v;
}

static int set_bool(struct pgb_config *cfg, const struct opt *o, const char *val,
		    const char *src, struct pgb_error *err)
{
	int v = bool_value(o, val, src, err);
	if (v < 0)
		return -1;
	if ((o->flags & OPT_ENV2_NEGATED) && src && o->env2 && strcmp(src, o->env2) == 0)
		v = !v;
	*FIELD(cfg, o, int) = v;
	return 0;
}

/* --dry-run is the command plan: "migrate --dry-run" becomes it, and there is no other dry run. */
static int set_dry_run(struct pgb_config *cfg, const struct opt *o, const char *val,
		       const char *src, struct pgb_error *err)
{
	int v = bool_value(o, val, src, err);
	if (v < 0)
		return -1;
	if (v)
		cfg->command = CMD_PLAN;
	return 0;
}

static int set_log_format(struct pgb_config *cfg, const struct opt *o, const char *val,
			  const char *src, struct pgb_error *err)
{
	if (val && strcmp(val, "text") == 0) {
		cfg->log_format = LOG_TEXT;
	} else if (val && strcmp(val, "json") == 0) {
		cfg->log_format = LOG_JSON;
	} else {
		bad_value(err, o, val, src);
		pgb_error_hint(err, "Use text or json.");
		return -1;
	}
	return 0;
}

static int set_lint_mode(struct pgb_config *cfg, const struct opt *o, const char *val, const char *src,
			 struct pgb_error *err)
{
	if (val && strcmp(val, "warn") == 0) {
		cfg->lint_mode = LINT_MODE_WARN;
	} else if (val && strcmp(val, "off") == 0) {
		cfg->lint_mode = LINT_MODE_OFF;
	} else if (val && strcmp(val, "error") == 0) {
		cfg->lint_mode = LINT_MODE_ERROR;
	} else {
		bad_value(err, o, val, src);
		pgb_error_hint(err, "Use off, warn or error.");
		return -1;
	}
	return 0;
}

static int set_lint_level(struct pgb_config *cfg, const struct opt *o, const char *val, const char *src,
			  struct pgb_error *err)
{
	static const char *const names[] = {"info", "warning", "error"}; /* enum lint_grade's order */
	for (int i = 0; val && i < 3; i++) {
		if (strcmp(val, names[i]) == 0) {
			cfg->lint_level = i;
			return 0;
		}
	}
	bad_value(err, o, val, src);
	pgb_error_hint(err, "Use info, warning or error.");
	return -1;
}

/* a whole number of 0 or more into a long long */
static int set_count(struct pgb_config *cfg, const struct opt *o, const char *val, const char *src,
		     struct pgb_error *err)
{
	char *end;
	errno = 0;
	long long v = val ? strtoll(val, &end, 10) : 0;
	if (!val || !isdigit((unsigned char)val[0]) || *end || errno) {
		bad_value(err, o, val, src);
		pgb_error_detail(err, "The value must be a whole number (0 or more).");
		return -1;
	}
	*FIELD(cfg, o, long long) = v;
	return 0;
}

/* "100MB", "1.5GB", "8192" (bytes): kB, MB, GB, TB are 1024-based, as PostgreSQL's sizes */
static int set_size(struct pgb_config *cfg, const struct opt *o, const char *val, const char *src,
		    struct pgb_error *err)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"", 1}, {"B", 1}, {"bytes", 1}, {"kB", 1024.0}, {"MB", 1024.0 * 1024}, {"GB", 1024.0 * 1024 * 1024},
		     {"TB", 1024.0 * 1024 * 1024 * 1024}};
	char *end;
	errno = 0;
	double v = val && isdigit((unsigned char)val[0]) ? strtod(val, &end) : -1;
	while (v >= 0 && *end == ' ')
		end++;
	for (size_t i = 0; v >= 0 && !errno && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0 && v * units[i].mult < 9.0e18) {
			*FIELD(cfg, o, long long) = (long long)(v * units[i].mult);
			return 0;
		}
	}
	bad_value(err, o, val, src);
	pgb_error_hint(err, "Write a size such as 100MB, 1.5GB or 8192 (bytes); kB, MB, GB and TB are 1024-based.");
	return -1;
}

static int set_lock_mode(struct pgb_config *cfg, const struct opt *o, const char *val,
			 const char *src, struct pgb_error *err)
{
	if (val && strcmp(val, "session") == 0) {
		cfg->lock_mode = LOCK_SESSION;
	} else if (val && strcmp(val, "transaction") == 0) {
		cfg->lock_mode = LOCK_TRANSACTION;
	} else {
		bad_value(err, o, val, src);
		pgb_error_hint(err, "Use session or transaction.");
		return -1;
	}
	return 0;
}

static int set_log_level(struct pgb_config *cfg, const struct opt *o, const char *val,
			 const char *src, struct pgb_error *err)
{
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = {{"debug", LOG_DEBUG},	{"info", LOG_INFO},   {"warning", LOG_WARNING},
		      {"warn", LOG_WARNING},	{"error", LOG_ERROR}, {"quiet", LOG_QUIET}};
	for (size_t i = 0; val && i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcasecmp(val, levels[i].name) == 0) {
			cfg->log_level = levels[i].level;
			return 0;
		}
	}
	bad_value(err, o, val, src);
	pgb_error_hint(err, "Use debug, info, warning or error.");
	return -1;
}

static int set_log_level_const(struct pgb_config *cfg, const struct opt *o, const char *val,
			       const char *src, struct pgb_error *err)
{
	(void)val, (void)src, (void)err;
	cfg->log_level = (enum log_level)o->min;
	return 0;
}

/* ---- init and free ---------------------------------------------------------- */

void config_init(struct pgb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->conninfo_source = xstrdup("libpq defaults");
	for (size_t i = 0; i < NOPTIONS; i++) {
		struct pgb_error err;
		pgb_error_init(&err);
		if (options[i].def && options[i].set(cfg, &options[i], options[i].def, NULL, &err) != 0)
			abort(); /* a bad default in the table: a bug */
	}
}

void config_free(struct pgb_config *cfg)
{
	secret_free(cfg->conninfo);
	free(cfg->conninfo_source);
	free(cfg->migrations_dir);
	free(cfg->layout);
	free(cfg->seeds_dir);
	free(cfg->verify_dir);
	free(cfg->history_schema);
	free(cfg->history_table);
	free(cfg->history_source);
	free(cfg->rollback_to);
	free(cfg->adopt_from);
	free(cfg->adopt_map);
	free(cfg->adopt_map_file);
	free(cfg->save_backup);
	free(cfg->baseline_version);
	free(cfg->new_name);
	free(cfg->lint_files);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- scanning argv ------------------------------------------------------------ */

struct flag_use {
	const struct opt *o;
	char *val; /* a copy (argv may be scrubbed), or NULL */
};

struct scan {
	enum pgb_command cmd;      /* the command word, CMD_NONE until seen */
	enum pgb_command help_for; /* "help COMMAND" */
	int help, version;
	int dashdash;              /* index of "--" in argv, 0 when absent */
	const char *extra;         /* the first word too many (new: its NAME) */
	const char *extra2;        /* the second */
	char **words;              /* lint: every word after the command */
	int nwords;
	int plan_rollback;         /* "plan --rollback", now the command rollback */
	struct flag_use *uses;
	int nuses;
};

static int usage_error(struct pgb_error *err, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(struct pgb_error *err, const char *hint, const char *fmt, ...)
{
	if (err->code)
		return -1; /* the first error wins, and keeps its hint */
	struct strbuf msg;
	va_list ap;
	strbuf_init(&msg);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	pgb_fail(err, PGB_EXIT_USAGE, "%s", msg.buf);
	pgb_error_hint(err, "%s", hint);
	strbuf_free(&msg);
	return -1;
}

/* Overwrite a secret in argv so it does not show in ps (curl's cleanarg). */
static void scrub_arg(char *s)
{
	memset(s, ' ', strlen(s));
}

static void record(struct scan *sc, const struct opt *o, char *val)
{
	if (o->flags & OPT_HELP) {
		sc->help = 1;
	} else if (o->flags & OPT_VERSION) {
		sc->version = 1;
	} else {
		sc->uses[sc->nuses].o = o;
		sc->uses[sc->nuses].val = val ? xstrdup(val) : NULL;
		sc->nuses++;
	}
	if (val && (o->flags & OPT_SECRET))
		scrub_arg(val);
}

/*
 * The argument of option o: inline (after '=' or in a short cluster) or
 * the next word, which may not be "--".
 */
static char *take_value(char *inline_val, int argc, char **argv, int *i)
{
	if (inline_val)
		return inline_val;
	if (*i + 1 < argc && strcmp(argv[*i + 1], "--") != 0)
		return argv[++*i];
	return NULL;
}

static void scan_long(struct scan *sc, int argc, char **argv, int *i, struct pgb_error *err)
{
	char *name = argv[*i] + 2;
	char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = option_by_long(name, len, sc->cmd);
	char shown[80];
	snprintf(shown, sizeof(shown), "--%.*s", (int)(len < 64 ? len : 64), name);
	if (!o) {
		usage_error(err, USAGE_HINT, "unrecognized option \"%s\"", shown);
		return;
	}
	if (!o->metavar && eq) {
		usage_error(err, USAGE_HINT, "option \"%s\" does not take a value", shown);
		return;
	}
	char *val = o->metavar ? take_value(eq ? eq + 1 : NULL, argc, argv, i) : NULL;
	if (o->metavar && !val) {
		usage_error(err, USAGE_HINT, "option \"%s\" requires an argument", shown);
		return;
	}
	record(sc, o, val);
}

static void scan_short(struct scan *sc, int argc, char **argv, int *i, struct pgb_error *err)
{
	for (char *p = argv[*i] + 1; *p; p++) {
		const struct opt *o = option_by_short(*p);
		char shown[3] = {'-', *p, '\0'};
		if (!o) {
			usage_error(err, USAGE_HINT, "unrecognized option \"%s\"", shown);
			return;
		}
		if (!o->metavar) {
			record(sc, o, NULL);
			continue;
		}
		char *val = take_value(p[1] ? p + 1 : NULL, argc, argv, i);
		if (!val)
			usage_error(err, USAGE_HINT, "option \"%s\" requires an argument", shown);
		else
			record(sc, o, val);
		return;
	}
}

static void scan_word(struct scan *sc, const char *word, struct pgb_error *err)
{
	const struct command_def *c = sc->cmd == CMD_NONE || (sc->cmd == CMD_HELP && sc->help_for == CMD_NONE)
					      ? command_by_name(word)
					      : NULL;
	if (c && sc->cmd == CMD_NONE) {
		sc->cmd = c->cmd;
		sc->help |= c->cmd == CMD_HELP;
	} else if (c) {
		sc->help_for = c->cmd;
	} else if (sc->cmd == CMD_NONE || (sc->cmd == CMD_HELP && sc->help_for == CMD_NONE)) {
		usage_error(err, USAGE_HINT, "unknown command \"%s\"", word);
	} else if (config_command_needs(sc->cmd) & N_LINT) {
		sc->words = xrealloc(sc->words, (size_t)(sc->nwords + 2) * sizeof(*sc->words));
		sc->words[sc->nwords++] = (char *)word;
		sc->words[sc->nwords] = NULL;
	} else if (!sc->extra) {
		sc->extra = word;
	} else if (!sc->extra2) {
		sc->extra2 = word;
	}
}

/*
 * Find the command and every flag, up to "--". Scanning goes on after an
 * error so that every secret is scrubbed; the first error is kept.
 */
static int scan_argv(struct scan *sc, int argc, char **argv, struct pgb_error *err)
{
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			sc->dashdash = i;
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			scan_long(sc, argc, argv, &i, err);
		else if (a[0] == '-' && a[1])
			scan_short(sc, argc, argv, &i, err);
		else
			scan_word(sc, a, err);
	}
	return err->code ? -1 : 0;
}

/* ---- checking the command line --------------------------------------------------- */

/* new NAME: the one word after the command */
static int take_name(const struct scan *sc, struct pgb_config *cfg, struct pgb_error *err)
{
	if (!sc->extra)
		return usage_error(err, "Name the migration: pgboot new NAME (lower-case words joined by \"_\").",
				   "command \"%s\" requires a NAME", "new");
	if (sc->extra2)
		return usage_error(err, "Join the words with \"_\": pgboot new add_users.",
				   "too many command-line arguments (first is \"%s\")", sc->extra2);
	cfg->new_name = xstrdup(sc->extra);
	return 0;
}

static int check_words(const struct scan *sc, int argc, char **argv, struct pgb_config *cfg,
		       struct pgb_error *err)
{
	if (config_command_needs(sc->cmd) & N_NEW && !sc->dashdash)
		return take_name(sc, cfg, err);
	if (config_command_needs(sc->cmd) & N_LINT) {
		free(cfg->lint_files);
		cfg->lint_files = sc->words;
		cfg->lint_nfiles = sc->nwords;
		((struct scan *)sc)->words = NULL;
	}
	if (sc->extra && sc->cmd == CMD_RUN)
		return usage_error(err, "Put \"--\" before the application: pgboot run [OPTION]... -- APP [ARGS]...",
				   "unexpected argument \"%s\"", sc->extra);
	if (sc->extra)
		return usage_error(err, USAGE_HINT, "too many command-line arguments (first is \"%s\")",
				   sc->extra);
	if (sc->cmd == CMD_RUN && (!sc->dashdash || sc->dashdash + 1 >= argc))
		return usage_error(err, "Put the application after \"--\": pgboot run [OPTION]... -- APP [ARGS]...",
				   "command \"%s\" requires an application to start", "run");
	if (sc->cmd != CMD_RUN && sc->dashdash)
		return usage_error(err, "Only \"pgboot run\" starts an application.",
				   "unexpected argument \"%s\"", "--");
	if (sc->cmd == CMD_RUN) {
		cfg->app_argv = argv + sc->dashdash + 1; /* argv[argc] is NULL */
		cfg->app_argc = argc - sc->dashdash - 1;
	}
	return 0;
}

static int check_flags_fit(const struct scan *sc, struct pgb_error *err)
{
	for (int k = 0; k < sc->nuses; k++) {
		const struct opt *o = sc->uses[k].o;
		if (applies(o->needs, sc->cmd))
			continue;
		char hint[96];
		snprintf(hint, sizeof(hint), "Try \"pgboot %s --help\" for its options.",
			 config_command_name(sc->cmd));
		if (sc->plan_rollback)
			return usage_error(err, hint, "option \"--%s\" cannot be used with \"plan --rollback\"", o->name);
		return usage_error(err, hint, "option \"--%s\" cannot be used with command \"%s\"",
				   o->name, config_command_name(sc->cmd));
	}
	return 0;
}

/* ---- the environment ----------------------------------------------------------- */

/* Strip the trailing newline (and any other trailing space) a secret file ends with. */
static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Read a *_FILE variable's file into a fresh string, or fail naming both. */
static char *read_value_file(const char *var, const char *path, struct pgb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		pgb_fail(err, PGB_EXIT_CONFIG, "could not open file \"%s\" named by %s: %m", path, var);
		return NULL;
	}
	char *buf = xmalloc(CONNINFO_FILE_MAX + 1);
	size_t n = fread(buf, 1, CONNINFO_FILE_MAX + 1, f);
	int failed = ferror(f);
	fclose(f);
	buf[n <= CONNINFO_FILE_MAX ? n : CONNINFO_FILE_MAX] = '\0';
	if (failed)
		pgb_fail(err, PGB_EXIT_CONFIG, "could not read file \"%s\" named by %s: %m", path, var);
	else if (n > CONNINFO_FILE_MAX)
		pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" named by %s is larger than %d bytes",
			 path, var, CONNINFO_FILE_MAX);
	else if (memchr(buf, '\0', n))
		pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" named by %s contains a NUL byte", path, var);
	chomp(buf);
	if (!err->code && !*buf)
		pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" named by %s is empty", path, var);
	if (err->code) {
		sodium_memzero(buf, CONNINFO_FILE_MAX + 1); /* past a NUL byte too */
		free(buf);
		return NULL;
	}
	return buf;
}

static int apply_file(struct pgb_config *cfg, const struct opt *o, const char *var,
		      const char *path, struct pgb_error *err)
{
	char *val = read_value_file(var, path, err);
	if (!val)
		return -1;
	char *src = xasprintf("%s (%s)", var, path);
	int rc = o->set(cfg, o, val, src, err);
	free(src);
	secret_free(val);
	return rc;
}

/* Apply one variable (and its _FILE twin for secrets): 1 when set, 0 when not, -1 on error. */
static int apply_env_var(struct pgb_config *cfg, const struct opt *o, const char *var,
			 struct pgb_error *err)
{
	const char *val = getenv(var);
	int has_val = val && *val;
	if (o->flags & OPT_SECRET) {
		char file_var[128];
		snprintf(file_var, sizeof(file_var), "%s_FILE", var);
		const char *path = getenv(file_var);
		if (path && *path && has_val) {
			pgb_fail(err, PGB_EXIT_CONFIG, "both %s and %s are set", var, file_var);
			pgb_error_hint(err, "Set only one of them.");
			return -1;
		}
		if (path && *path)
			return apply_file(cfg, o, file_var, path, err) == 0 ? 1 : -1;
	}
	if (!has_val)
		return 0; /* an empty variable counts as unset, as in a compose file's "VAR=" */
	return o->set(cfg, o, val, var, err) == 0 ? 1 : -1;
}

static int set_by_flag(const struct scan *sc, const struct opt *o)
{
	for (int k = 0; k < sc->nuses; k++)
		if (sc->uses[k].o->off == o->off)
			return 1;
	return 0;
}

static int apply_environment(struct pgb_config *cfg, const struct scan *sc, struct pgb_error *err)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		if (!o->set || !applies(o->needs, sc->cmd) || set_by_flag(sc, o))
			continue;
		const char *vars[2] = {o->env, o->env2};
		for (int k = 0; k < 2 && vars[k]; k++) {
			int rc = apply_env_var(cfg, o, vars[k], err);
			if (rc < 0)
				return -1;
			if (rc > 0)
				break;
		}
	}
	return 0;
}

static int apply_flags(struct pgb_config *cfg, const struct scan *sc, struct pgb_error *err)
{
	for (int k = 0; k < sc->nuses; k++) {
		const struct opt *o = sc->uses[k].o;
		char shown[80];
		snprintf(shown, sizeof(shown), "--%s", o->name);
		if (o->set(cfg, o, sc->uses[k].val, shown, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- loading ------------------------------------------------------------------ */

/* "plan --rollback" is rollback's plan: the command rollback, never confirmed, with rollback's options */
static int plan_as_rollback(struct scan *sc, struct pgb_config *cfg, struct pgb_error *err)
{
	int k = 0;
	while (k < sc->nuses && strcmp(sc->uses[k].o->name, "rollback") != 0)
		k++;
	if (k == sc->nuses || sc->cmd != CMD_PLAN)
		return 0; /* elsewhere check_flags_fit refuses it */
	secret_free(sc->uses[k].val);
	memmove(&sc->uses[k], &sc->uses[k + 1], (size_t)(sc->nuses - k - 1) * sizeof(*sc->uses));
	sc->nuses--;
	for (int i = 0; i < sc->nuses; i++) {
		const char *name = sc->uses[i].o->name;
		if (strcmp(name, "confirm") == 0 || strcmp(name, "save-backup") == 0)
			return usage_error(err, "\"pgboot plan --rollback\" changes nothing; \"pgboot rollback --confirm\" "
						"rolls back.", "option \"--%s\" cannot be used with \"plan --rollback\"", name);
	}
	sc->cmd = CMD_ROLLBACK;
	sc->plan_rollback = 1;
	cfg->rollback_plan = 1;
	return 0;
}

/* rollback: at most one of the ways to choose what is rolled back */
static int check_rollback_choice(const struct pgb_config *cfg, struct pgb_error *err)
{
	int given = (cfg->rollback_steps > 0) + (cfg->rollback_to != NULL) + cfg->rollback_all + cfg->rollback_to_files;
	if (given <= 1)
		return 0;
	return usage_error(err, "Give one of them: pgboot rollback [--steps N | --to VERSION | --all | --to-files].",
			   "options \"--steps\", \"--to\", \"--all\" and \"--to-files\" cannot be used together");
}

static int finish_command(struct pgb_config *cfg, struct scan *sc, int argc, char **argv,
			  struct pgb_error *err)
{
	if (sc->help) {
		cfg->command = CMD_HELP;
		cfg->help_command = sc->cmd == CMD_HELP ? sc->help_for : sc->cmd;
		return 0;
	}
	if (!sc->version && plan_as_rollback(sc, cfg, err) != 0)
		return -1;
	cfg->command = sc->version ? CMD_VERSION : sc->cmd;
	if (sc->version || cfg->command == CMD_NONE)
		return 0; /* --version ends everything; no command: main prints the usage */
	if (check_words(sc, argc, argv, cfg, err) != 0 || check_flags_fit(sc, err) != 0)
		return -1;
	if (cfg->command == CMD_VERSION)
		return 0;
	if (apply_environment(cfg, sc, err) != 0 || apply_flags(cfg, sc, err) != 0)
		return -1;
	if (cfg->rollback_plan)
		cfg->confirm = 0, cfg->no_verify = 1; /* PGBOOT_CONFIRM=1 in the environment changes nothing here */
	if ((config_command_needs(cfg->command) & N_BASELINE) && !cfg->baseline_version)
		return usage_error(err, "Name the newest migration the database already has: pgboot baseline --version "
					"VERSION --confirm.", "command \"%s\" requires --version VERSION", "baseline");
	return check_rollback_choice(cfg, err);
}

/*
 * After a usage error the log format is still the default: take it from
 * --log-format or PGBOOT_LOG_FORMAT as far as they can be read, so a JSON
 * consumer gets the error as JSON too.
 */
static void early_log_format(struct pgb_config *cfg, int argc, char **argv)
{
	const char *val = getenv("PGBOOT_LOG_FORMAT");
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--log-format=", 13) == 0)
			val = argv[i] + 13;
		else if (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc)
			val = argv[i + 1];
	}
	if (val && strcmp(val, "json") == 0)
		cfg->log_format = LOG_JSON;
}

int config_load(struct pgb_config *cfg, int argc, char **argv, struct pgb_error *err)
{
	struct scan sc = {.cmd = CMD_NONE, .help_for = CMD_NONE};
	sc.uses = xcalloc((size_t)(argc > 0 ? argc : 1), sizeof(*sc.uses));
	int rc = scan_argv(&sc, argc, argv, err);
	if (rc == 0)
		rc = finish_command(cfg, &sc, argc, argv, err);
	if (rc != 0)
		early_log_format(cfg, argc, argv);
	for (int k = 0; k < sc.nuses; k++)
		secret_free(sc.uses[k].val);
	free(sc.uses);
	free(sc.words);
	return rc;
}

/* ---- help ----------------------------------------------------------------------- */

#define HELP_COLUMN 32
#define HELP_WIDTH 100

static void print_option(const struct opt *o, FILE *out)
{
	struct strbuf left;
	strbuf_init(&left);
	if (o->short_name)
		strbuf_addf(&left, "  -%c, --%s", o->short_name, o->name);
	else
		strbuf_addf(&left, "      --%s", o->name);
	if (o->metavar)
		strbuf_addf(&left, "=%s", o->metavar);
	if (left.len + 2 > HELP_COLUMN)
		fprintf(out, "%s\n%*s%s\n", left.buf, HELP_COLUMN, "", o->help);
	else
		fprintf(out, "%-*s%s\n", HELP_COLUMN, left.buf, o->help);
	strbuf_free(&left);
}

/* "[env: X, X_FILE, Y, Y_FILE] [default: D]" under the option's help */
static void print_option_sources(const struct opt *o, FILE *out)
{
	struct strbuf sb;
	strbuf_init(&sb);
	const char *vars[2] = {o->env, o->env2};
	for (int k = 0; k < 2 && vars[k]; k++) {
		strbuf_adds(&sb, k ? ", " : "[env: ");
		strbuf_adds(&sb, vars[k]);
		if (o->flags & OPT_SECRET)
			strbuf_addf(&sb, ", %s_FILE", vars[k]);
		if (o->set == set_bool || o->set == set_dry_run)
			strbuf_adds(&sb, k && (o->flags & OPT_ENV2_NEGATED) ? "=false" : "=1");
	}
	if (sb.len)
		strbuf_adds(&sb, "]");
	if (o->def_help || o->def) {
		/* a long variable list gets the default on a line of its own */
		int own_line = sb.len && HELP_COLUMN + sb.len > HELP_WIDTH;
		strbuf_addf(&sb, "%s[default: %s]", own_line ? "\n" : sb.len ? " " : "",
			    o->def_help ? o->def_help : o->def);
	}
	for (const char *line = sb.buf; sb.len && *line;) {
		size_t n = strcspn(line, "\n");
		fprintf(out, "%*s%.*s\n", HELP_COLUMN, "", (int)n, line);
		line += n + (line[n] == '\n');
	}
	strbuf_free(&sb);
}

static void print_exit_rows(enum pgb_command cmd, FILE *out)
{
	unsigned needs = config_command_needs(cmd);
	if (needs & N_APP)
		fprintf(out, "\nExit status (once APP has started, it is APP's own):\n");
	else
		fprintf(out, "\nExit status:\n");
	for (size_t i = 0; i < sizeof(exit_rows) / sizeof(exit_rows[0]); i++) {
		if (!applies(exit_rows[i].needs, cmd) || (exit_rows[i].unless & needs))
			continue;
		if (exit_rows[i].code == PGB_EXIT_SIGNAL)
			fprintf(out, "  %-7s%s\n", "128+N", exit_rows[i].meaning);
		else
			fprintf(out, "  %-7d%s\n", exit_rows[i].code, exit_rows[i].meaning);
	}
}

/* The general help's common options: those of every command that connects. */
static int for_every_db_command(unsigned needs)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if ((commands[i].needs & N_DB) && !applies(needs, commands[i].cmd))
			return 0;
	return 1;
}

static void print_general_help(FILE *out)
{
	fprintf(out, "pgboot prepares a PostgreSQL database, then starts the application.\n\n");
	fprintf(out, "Usage:\n  pgboot COMMAND [OPTION]...\n  pgboot run [OPTION]... -- APP [ARGS]...\n");
	fprintf(out, "\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s%s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nCommon options:\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (!for_every_db_command(options[i].needs))
			continue;
		print_option(&options[i], out);
		print_option_sources(&options[i], out);
	}
	fprintf(out, "\nDurations: 500ms, 30s, 5m, 1h, 1h30m, or bare seconds.\n");
	fprintf(out, "Run \"pgboot COMMAND --help\" for the options of a command.\n");
}

static void print_command_help(const struct command_def *c, FILE *out)
{
	fprintf(out, "pgboot %s: %s.\n\n%s\n\nUsage:\n  pgboot %s\n\nOptions:\n", c->name,
		c->summary, c->description, c->usage);
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (!applies(options[i].needs, c->cmd) || shadowed(&options[i], c->cmd))
			continue;
		print_option(&options[i], out);
		print_option_sources(&options[i], out);
	}
	print_exit_rows(c->cmd, out);
	if (c->cmd == CMD_LINT)
		lint_print_rules(out);
}

void config_print_help(enum pgb_command cmd, FILE *out)
{
	const struct command_def *c = cmd == CMD_NONE ? NULL : command_by_id(cmd);
	if (c)
		print_command_help(c, out);
	else
		print_general_help(out);
}

/* ---- the environment of the app --------------------------------------------------- */

void config_scrub_environment(int owner_password)
{
	if (owner_password)
		unsetenv("PGPASSWORD");
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	/* collect first: unsetenv shifts environ, so removing while walking skips entries */
	char **names = xcalloc(n + 1, sizeof(*names));
	size_t k = 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "PGBOOT_", 7) == 0)
			names[k++] = xstrndup(*e, strcspn(*e, "="));
	for (size_t i = 0; i < k; i++) {
		unsetenv(names[i]);
		free(names[i]);
	}
	free(names);
}
