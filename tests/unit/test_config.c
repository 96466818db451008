/*
 * test_config.c: the option table: precedence (flag > variable > default),
 * *_FILE secrets, usage errors, commands and "--", argv scrubbing, secret
 * registration, the history table, the environment scrub and --help.
 * Every test starts from an environment without pgboot's variables and
 * puts the caller's back when it ends.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "log.h"
#include "strbuf.h"

extern char **environ;

static const char *const env_vars[] = {
	"PGBOOT_DATABASE_URL",	    "PGBOOT_DATABASE_URL_FILE", "DATABASE_URL",
	"DATABASE_URL_FILE",	    "PGBOOT_MIGRATIONS",	"PGBOOT_SEEDS",
	"PGBOOT_VERIFY",	    "PGBOOT_WITH_TEST_DATA",	"PGBOOT_WAIT_TIMEOUT",
	"PGBOOT_LOCK_TIMEOUT",	    "PGBOOT_DDL_LOCK_TIMEOUT",	"PGBOOT_DDL_LOCK_RETRIES",
	"PGBOOT_STATEMENT_TIMEOUT", "PGBOOT_HISTORY_TABLE",	"PGBOOT_LOG_FORMAT",
	"PGBOOT_LOG_LEVEL",	    "PGBOOT_ALLOW_OUT_OF_ORDER", "PGBOOT_NO_VERIFY",
	"PGBOOT_SKIP_MIGRATE",	    "AUTO_MIGRATE",		"PGPASSWORD",
	"PGBOOT_DRY_RUN",	    "PGBOOT_JSON",
};
#define NVARS (sizeof(env_vars) / sizeof(env_vars[0]))

static char *saved_env[NVARS];

/* Save and clear every variable pgboot reads; env_end puts them back. */
static void env_begin(void)
{
	for (size_t i = 0; i < NVARS; i++) {
		const char *v = getenv(env_vars[i]);
		saved_env[i] = v ? strdup(v) : NULL;
		unsetenv(env_vars[i]);
	}
	log_forget_secrets();
}

static void env_end(void)
{
	for (size_t i = 0; i < NVARS; i++) {
		if (saved_env[i])
			setenv(env_vars[i], saved_env[i], 1);
		else
			unsetenv(env_vars[i]);
		free(saved_env[i]);
		saved_env[i] = NULL;
	}
	log_forget_secrets();
}

/* A writable argv ("pgboot", then the words up to NULL): config_load scrubs it. */
struct args {
	int argc;
	char *argv[32];
};

static void args_vmake(struct args *a, va_list ap)
{
	a->argc = 0;
	a->argv[a->argc++] = strdup("pgboot");
	const char *w;
	while ((w = va_arg(ap, const char *)) != NULL && a->argc < 31)
		a->argv[a->argc++] = strdup(w);
	a->argv[a->argc] = NULL;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

/* One load: a fresh cfg and err, the words after "pgboot" up to NULL. Returns config_load's result. */
static int load(struct pgb_config *cfg, struct pgb_error *err, struct args *a, ...)
{
	va_list ap;
	va_start(ap, a);
	args_vmake(a, ap);
	va_end(ap);
	config_init(cfg);
	pgb_error_init(err);
	return config_load(cfg, a->argc, a->argv, err);
}

static void done(struct pgb_config *cfg, struct pgb_error *err, struct args *a)
{
	config_free(cfg);
	pgb_error_free(err);
	args_free(a);
}

/* A temporary file holding text; the caller unlinks and frees the path. */
static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/pgboot-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return path;
	if (write(fd, text, strlen(text)) < 0)
		path[0] = '\0';
	close(fd);
	return path;
}

/* ---- defaults and precedence ---------------------------------------------------- */

TEST(config_defaults)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.command, CMD_MIGRATE);
	CHECK(cfg.conninfo == NULL);
	CHECK(cfg.conninfo_source != NULL);
	CHECK_STR(cfg.migrations_dir, "migrations");
	CHECK_STR(cfg.seeds_dir, "seeds");
	CHECK_STR(cfg.verify_dir, "verify");
	CHECK_INT(cfg.verify_dir_explicit, 0);
	CHECK(cfg.history_schema == NULL);
	CHECK_STR(cfg.history_table, "pgboot_migrations");
	CHECK_INT(cfg.wait_timeout_ms, 60000);
	CHECK_INT(cfg.lock_timeout_ms, 300000);
	CHECK_INT(cfg.ddl_lock_timeout_ms, 10000);
	CHECK_INT(cfg.ddl_lock_retries, 5);
	CHECK_INT(cfg.statement_timeout_ms, 0);
	CHECK_INT(cfg.with_test_data + cfg.allow_out_of_order + cfg.no_verify, 0);
	CHECK_INT(cfg.skip_migrate + cfg.json, 0);
	CHECK_INT(cfg.log_format, LOG_TEXT);
	CHECK_INT(cfg.log_level, LOG_INFO);
	CHECK(cfg.app_argv == NULL);
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_precedence_strings)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("PGBOOT_MIGRATIONS", "db/env-migrations", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_STR(cfg.migrations_dir, "db/env-migrations");
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "migrate", "--migrations", "db/flag", NULL), 0);
	CHECK_STR(cfg.migrations_dir, "db/flag");
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "migrate", "--migrations=db/eq", NULL), 0);
	CHECK_STR(cfg.migrations_dir, "db/eq");
	done(&cfg, &err, &a);

	/* a later flag beats an earlier one */
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--seeds=one", "--seeds", "two", NULL), 0);
	CHECK_STR(cfg.seeds_dir, "two");
	done(&cfg, &err, &a);

	/* an empty variable counts as unset */
	setenv("PGBOOT_MIGRATIONS", "", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_STR(cfg.migrations_dir, "migrations");
	done(&cfg, &err, &a);

	/* an empty flag value is an error */
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--migrations=", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_STR(err.message, "invalid value for \"--migrations\": \"\"");
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_precedence_booleans)
{
	static const struct {
		const char *text;
		int want;
	} words[] = {{"1", 1},	 {"true", 1}, {"TRUE", 1}, {"yes", 1}, {"On", 1},
		     {"0", 0},	 {"false", 0}, {"No", 0},  {"off", 0}, {"", 0}};
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		setenv("PGBOOT_NO_VERIFY", words[i].text, 1);
		CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
		CHECK_INT(cfg.no_verify, words[i].want);
		done(&cfg, &err, &a);
	}
	setenv("PGBOOT_NO_VERIFY", "0", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--no-verify", NULL), 0);
	CHECK_INT(cfg.no_verify, 1);
	done(&cfg, &err, &a);

	setenv("PGBOOT_NO_VERIFY", "maybe", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_STR(err.message, "invalid value for \"PGBOOT_NO_VERIFY\": \"maybe\"");
	CHECK_CONTAINS(err.hint, "true");
	done(&cfg, &err, &a);
	unsetenv("PGBOOT_NO_VERIFY");

	setenv("PGBOOT_WITH_TEST_DATA", "1", 1);
	setenv("PGBOOT_ALLOW_OUT_OF_ORDER", "yes", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.with_test_data, 1);
	CHECK_INT(cfg.allow_out_of_order, 1);
	done(&cfg, &err, &a);
	env_end();
}

/* every option is a flag and a variable: --dry-run and status --json too */
TEST(config_dry_run_and_json_variables)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("PGBOOT_DRY_RUN", "1", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.command, CMD_PLAN);
	done(&cfg, &err, &a);
	setenv("PGBOOT_DRY_RUN", "0", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.command, CMD_MIGRATE);
	done(&cfg, &err, &a);
	setenv("PGBOOT_DRY_RUN", "maybe", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_CONTAINS(err.message, "PGBOOT_DRY_RUN");
	done(&cfg, &err, &a);
	unsetenv("PGBOOT_DRY_RUN");

	setenv("PGBOOT_JSON", "true", 1);
	CHECK_INT(load(&cfg, &err, &a, "status", NULL), 0);
	CHECK_INT(cfg.json, 1);
	done(&cfg, &err, &a);
	setenv("PGBOOT_JSON", "0", 1);
	CHECK_INT(load(&cfg, &err, &a, "status", "--json", NULL), 0);
	CHECK_INT(cfg.json, 1);
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_precedence_durations)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("PGBOOT_WAIT_TIMEOUT", "5s", 1);
	setenv("PGBOOT_LOCK_TIMEOUT", "1m", 1);
	setenv("PGBOOT_DDL_LOCK_TIMEOUT", "500ms", 1);
	setenv("PGBOOT_STATEMENT_TIMEOUT", "1h", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--lock-timeout=2m", NULL), 0);
	CHECK_INT(cfg.wait_timeout_ms, 5000);
	CHECK_INT(cfg.lock_timeout_ms, 120000);
	CHECK_INT(cfg.ddl_lock_timeout_ms, 500);
	CHECK_INT(cfg.statement_timeout_ms, 3600000);
	done(&cfg, &err, &a);

	setenv("PGBOOT_WAIT_TIMEOUT", "5x", 1);
	CHECK_INT(load(&cfg, &err, &a, "wait", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_STR(err.message, "invalid value for \"PGBOOT_WAIT_TIMEOUT\": \"5x\"");
	CHECK_STR(err.hint, "Use a number with a unit: 500ms, 30s, 5m, 1h.");
	done(&cfg, &err, &a);

	/* the flag beats the bad variable, which is then never read */
	CHECK_INT(load(&cfg, &err, &a, "wait", "--wait-timeout", "250ms", NULL), 0);
	CHECK_INT(cfg.wait_timeout_ms, 250);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "wait", "--wait-timeout=-1s", NULL), -1);
	CHECK_STR(err.message, "invalid value for \"--wait-timeout\": \"-1s\"");
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_ddl_lock_retries_range)
{
	static const char *const bad[] = {"0", "101", "abc", "5x", "-1", "+5", " 5", ""};
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("PGBOOT_DDL_LOCK_RETRIES", "100", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.ddl_lock_retries, 100);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--ddl-lock-retries", "1", NULL), 0);
	CHECK_INT(cfg.ddl_lock_retries, 1);
	done(&cfg, &err, &a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char flag[64];
		snprintf(flag, sizeof(flag), "--ddl-lock-retries=%s", bad[i]);
		CHECK_INT(load(&cfg, &err, &a, "migrate", flag, NULL), -1);
		CHECK_INT(err.code, PGB_EXIT_CONFIG);
		CHECK_CONTAINS(err.message, "invalid value for \"--ddl-lock-retries\"");
		done(&cfg, &err, &a);
	}
	env_end();
}

/* ---- the connection string ----------------------------------------------------------- */

TEST(config_database_url_sources)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("DATABASE_URL", "postgres://app@db/app", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_STR(cfg.conninfo, "postgres://app@db/app");
	CHECK_STR(cfg.conninfo_source, "DATABASE_URL");
	done(&cfg, &err, &a);

	/* the schema owner's URL wins */
	setenv("PGBOOT_DATABASE_URL", "postgres://owner@db/app", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_STR(cfg.conninfo, "postgres://owner@db/app");
	CHECK_STR(cfg.conninfo_source, "PGBOOT_DATABASE_URL");
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "migrate", "--database-url", "host=flag", NULL), 0);
	CHECK_STR(cfg.conninfo, "host=flag");
	CHECK_STR(cfg.conninfo_source, "--database-url");
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "migrate", "--database-url=", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_database_url_file)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	char *good = temp_file("postgres://app:filepw@db/app\n");
	char *empty = temp_file("\n");

	setenv("DATABASE_URL_FILE", good, 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_STR(cfg.conninfo, "postgres://app:filepw@db/app");
	char want[128];
	snprintf(want, sizeof(want), "DATABASE_URL_FILE (%s)", good);
	CHECK_STR(cfg.conninfo_source, want);
	char *masked = log_mask("connecting with postgres://app:filepw@db/app, not filepw the word");
	CHECK_STR(masked, "connecting with postgres://app:***@db/app, not filepw the word");
	free(masked);
	done(&cfg, &err, &a);

	/* PGBOOT_DATABASE_URL_FILE beats DATABASE_URL */
	unsetenv("DATABASE_URL_FILE");
	setenv("DATABASE_URL", "postgres://app@other/app", 1);
	setenv("PGBOOT_DATABASE_URL_FILE", good, 1);
	CHECK_INT(load(&cfg, &err, &a, "status", NULL), 0);
	CHECK_STR(cfg.conninfo, "postgres://app:filepw@db/app");
	CHECK_CONTAINS(cfg.conninfo_source, "PGBOOT_DATABASE_URL_FILE");
	done(&cfg, &err, &a);
	unsetenv("PGBOOT_DATABASE_URL_FILE");

	/* both the variable and its file */
	setenv("DATABASE_URL_FILE", good, 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_STR(err.message, "both DATABASE_URL and DATABASE_URL_FILE are set");
	done(&cfg, &err, &a);
	unsetenv("DATABASE_URL");

	/* a flag beats even a broken file */
	setenv("DATABASE_URL_FILE", "/nonexistent/pgboot/secret", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--database-url", "host=x", NULL), 0);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_CONTAINS(err.message, "\"/nonexistent/pgboot/secret\"");
	CHECK_CONTAINS(err.message, "DATABASE_URL_FILE");
	CHECK_CONTAINS(err.message, "No such file");
	done(&cfg, &err, &a);

	setenv("DATABASE_URL_FILE", empty, 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_CONTAINS(err.message, "is empty");
	CHECK_CONTAINS(err.message, empty);
	done(&cfg, &err, &a);

	setenv("DATABASE_URL_FILE", "/tmp", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	done(&cfg, &err, &a);

	unlink(good);
	unlink(empty);
	free(good);
	free(empty);
	env_end();
}

TEST(config_database_url_scrubbed_from_argv_and_masked)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--database-url", "postgres://u:hunter2@h/d",
		       "--database-url=postgres://u:s%40fe@h/d", NULL),
		  0);
	CHECK_STR(cfg.conninfo, "postgres://u:s%40fe@h/d");
	for (int i = 0; i < a.argc; i++) {
		CHECK(strstr(a.argv[i], "hunter2") == NULL);
		CHECK(strstr(a.argv[i], "s%40fe") == NULL);
		CHECK(strstr(a.argv[i], "postgres") == NULL);
	}
	CHECK_STR(a.argv[2], "--database-url");
	CHECK(strncmp(a.argv[4], "--database-url=", 15) == 0);
	/* both strings were registered: each echo is redacted, the words alone are not passwords */
	char *masked = log_mask("a postgres://u:hunter2@h/d b postgres://u:s%40fe@h/d c s@fe");
	CHECK_STR(masked, "a postgres://u:***@h/d b postgres://u:***@h/d c s@fe");
	free(masked);
	done(&cfg, &err, &a);

	/* scrubbed even when another argument is wrong */
	CHECK_INT(load(&cfg, &err, &a, "--bogus", "migrate", "--database-url", "host=h password=pw2", NULL), -1);
	CHECK(strstr(a.argv[4], "pw2") == NULL);
	done(&cfg, &err, &a);

	setenv("PGPASSWORD", "envpw", 1);
	setenv("DATABASE_URL", "host=db password='kv pw'", 1);
	CHECK_INT(load(&cfg, &err, &a, "wait", NULL), 0);
	/* PGPASSWORD is never echoed, so never searched for: a common word stays a word */
	masked = log_mask("envpw \"host=db password='kv pw'\"");
	CHECK_STR(masked, "envpw \"host=db password=***\"");
	free(masked);
	done(&cfg, &err, &a);
	env_end();
}

/* ---- skip-migrate and AUTO_MIGRATE ---------------------------------------------------- */

TEST(config_skip_migrate_and_auto_migrate)
{
	static const struct {
		const char *skip, *auto_migrate;
		int want;
	} cases[] = {
		{NULL, "false", 1}, {NULL, "0", 1},   {NULL, "no", 1},	  {NULL, "OFF", 1},
		{NULL, "true", 0},  {NULL, "1", 0},   {"1", "true", 1},	  {"0", "false", 0},
		{"yes", NULL, 1},   {NULL, NULL, 0},
	};
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].skip)
			setenv("PGBOOT_SKIP_MIGRATE", cases[i].skip, 1);
		else
			unsetenv("PGBOOT_SKIP_MIGRATE");
		if (cases[i].auto_migrate)
			setenv("AUTO_MIGRATE", cases[i].auto_migrate, 1);
		else
			unsetenv("AUTO_MIGRATE");
		CHECK_INT(load(&cfg, &err, &a, "run", "--", "app", NULL), 0);
		if (cfg.skip_migrate != cases[i].want)
			fprintf(stderr, "  case %zu\n", i);
		CHECK_INT(cfg.skip_migrate, cases[i].want);
		done(&cfg, &err, &a);
	}
	setenv("AUTO_MIGRATE", "perhaps", 1);
	CHECK_INT(load(&cfg, &err, &a, "run", "--", "app", NULL), -1);
	CHECK_STR(err.message, "invalid value for \"AUTO_MIGRATE\": \"perhaps\"");
	done(&cfg, &err, &a);

	/* the migrate command ignores the variables: it exists to migrate */
	setenv("AUTO_MIGRATE", "false", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.skip_migrate, 0);
	done(&cfg, &err, &a);

	unsetenv("AUTO_MIGRATE");
	CHECK_INT(load(&cfg, &err, &a, "run", "--skip-migrate", "--", "app", NULL), 0);
	CHECK_INT(cfg.skip_migrate, 1);
	done(&cfg, &err, &a);
	env_end();
}

/* ---- usage errors ------------------------------------------------------------------ */

struct usage_case {
	const char *argv[8];
	const char *message;
	const char *hint; /* a part of it */
};

static const struct usage_case usage_cases[] = {
	{{"--bogus", NULL}, "unrecognized option \"--bogus\"", "Try \"pgboot --help\" for more information."},
	{{"migrate", "--bogus=postgres://u:pw@h", NULL}, "unrecognized option \"--bogus\"", "pgboot --help"},
	{{"migrate", "-x", NULL}, "unrecognized option \"-x\"", "pgboot --help"},
	{{"migrate", "-qx", NULL}, "unrecognized option \"-x\"", "pgboot --help"},
	{{"migrate", "--migrations", NULL}, "option \"--migrations\" requires an argument", "pgboot --help"},
	{{"run", "--migrations", "--", "app", NULL}, "option \"--migrations\" requires an argument", "pgboot --help"},
	{{"migrate", "--dry-run=yes", NULL}, "option \"--dry-run\" does not take a value", "pgboot --help"},
	{{"frobnicate", NULL}, "unknown command \"frobnicate\"", "pgboot --help"},
	{{"help", "frobnicate", NULL}, "unknown command \"frobnicate\"", "pgboot --help"},
	{{"run", NULL}, "command \"run\" requires an application to start", "-- APP"},
	{{"run", "--", NULL}, "command \"run\" requires an application to start", "-- APP"},
	{{"run", "node", "server.js", NULL}, "unexpected argument \"node\"", "Put \"--\" before"},
	{{"migrate", "--", "app", NULL}, "unexpected argument \"--\"", "pgboot run"},
	{{"status", "extra", NULL}, "too many command-line arguments (first is \"extra\")", "pgboot --help"},
	{{"migrate", "--json", NULL}, "option \"--json\" cannot be used with command \"migrate\"",
	 "pgboot migrate --help"},
	{{"--json", "wait", NULL}, "option \"--json\" cannot be used with command \"wait\"", "pgboot wait --help"},
	{{"migrate", "--skip-migrate", NULL}, "option \"--skip-migrate\" cannot be used with command \"migrate\"",
	 "migrate --help"},
	{{"run", "--dry-run", "--", "app", NULL}, "option \"--dry-run\" cannot be used with command \"run\"",
	 "run --help"},
	{{"wait", "--migrations=x", NULL}, "option \"--migrations\" cannot be used with command \"wait\"",
	 "wait --help"},
	{{"version", "extra", NULL}, "too many command-line arguments (first is \"extra\")", "pgboot --help"},
};

TEST(config_usage_errors)
{
	env_begin();
	for (size_t i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++) {
		const struct usage_case *u = &usage_cases[i];
		struct args a;
		a.argc = 0;
		a.argv[a.argc++] = strdup("pgboot");
		for (int k = 0; u->argv[k]; k++)
			a.argv[a.argc++] = strdup(u->argv[k]);
		a.argv[a.argc] = NULL;
		struct pgb_config cfg;
		struct pgb_error err;
		config_init(&cfg);
		pgb_error_init(&err);
		int rc = config_load(&cfg, a.argc, a.argv, &err);
		if (rc != -1 || !err.message || strcmp(err.message, u->message) != 0)
			fprintf(stderr, "  case %zu: %s\n", i, u->message);
		CHECK_INT(rc, -1);
		CHECK_INT(err.code, PGB_EXIT_USAGE);
		CHECK_STR(err.message, u->message);
		CHECK_CONTAINS(err.hint, u->hint);
		CHECK(!err.message || !strstr(err.message, "pw@"));
		done(&cfg, &err, &a);
	}
	env_end();
}

TEST(config_no_command_is_left_to_main)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, NULL), 0);
	CHECK_INT(cfg.command, CMD_NONE);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "--migrations", "x", NULL), 0);
	CHECK_INT(cfg.command, CMD_NONE);
	done(&cfg, &err, &a);
	env_end();
}

/* ---- commands, flags around them, and "--" ------------------------------------------- */

TEST(config_flags_before_and_after_the_command)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, "--database-url", "host=x", "-v", "migrate", "--seeds", "s", NULL), 0);
	CHECK_INT(cfg.command, CMD_MIGRATE);
	CHECK_STR(cfg.conninfo, "host=x");
	CHECK_STR(cfg.seeds_dir, "s");
	CHECK_INT(cfg.log_level, LOG_DEBUG);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "--json", "status", NULL), 0);
	CHECK_INT(cfg.command, CMD_STATUS);
	CHECK_INT(cfg.json, 1);
	done(&cfg, &err, &a);

	static const struct {
		const char *word;
		enum pgb_command cmd;
	} words[] = {{"migrate", CMD_MIGRATE}, {"wait", CMD_WAIT},	 {"status", CMD_STATUS},
		     {"verify", CMD_VERIFY},   {"plan", CMD_PLAN},	 {"version", CMD_VERSION}};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		CHECK_INT(load(&cfg, &err, &a, words[i].word, NULL), 0);
		CHECK_INT(cfg.command, words[i].cmd);
		CHECK_STR(config_command_name(cfg.command), words[i].word);
		done(&cfg, &err, &a);
	}
	CHECK_STR(config_command_name(CMD_RUN), "run");
	CHECK_STR(config_command_name(CMD_HELP), "help");
	env_end();
}

TEST(config_run_passes_everything_after_dashdash_to_the_app)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, "run", "--wait-timeout", "1s", "--", "ls", "--bogus", "-q",
		       "--database-url", "x", "--", NULL),
		  0);
	CHECK_INT(cfg.command, CMD_RUN);
	CHECK_INT(cfg.app_argc, 6);
	CHECK_STR(cfg.app_argv[0], "ls");
	CHECK_STR(cfg.app_argv[1], "--bogus");
	CHECK_STR(cfg.app_argv[2], "-q");
	CHECK_STR(cfg.app_argv[3], "--database-url");
	CHECK_STR(cfg.app_argv[4], "x"); /* the app's own arguments are never scrubbed */
	CHECK_STR(cfg.app_argv[5], "--");
	CHECK(cfg.app_argv[6] == NULL);
	CHECK(cfg.app_argv == a.argv + 5);
	CHECK_INT(cfg.log_level, LOG_INFO);
	CHECK(cfg.conninfo == NULL);
	CHECK_INT(cfg.wait_timeout_ms, 1000);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "--", "app", NULL), 0);
	CHECK_INT(cfg.command, CMD_NONE);
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_help_and_version)
{
	static const struct {
		const char *argv[4];
		enum pgb_command cmd, help_for;
	} cases[] = {
		{{"--help"}, CMD_HELP, CMD_NONE},
		{{"-h"}, CMD_HELP, CMD_NONE},
		{{"help"}, CMD_HELP, CMD_NONE},
		{{"help", "migrate"}, CMD_HELP, CMD_MIGRATE},
		{{"migrate", "--help"}, CMD_HELP, CMD_MIGRATE},
		{{"--help", "status"}, CMD_HELP, CMD_STATUS},
		{{"run", "-h"}, CMD_HELP, CMD_RUN},
		{{"migrate", "--help", "--wait-timeout=junk"}, CMD_HELP, CMD_MIGRATE},
		{{"--version"}, CMD_VERSION, CMD_NONE},
		{{"-V"}, CMD_VERSION, CMD_NONE},
		{{"version"}, CMD_VERSION, CMD_NONE},
		{{"migrate", "--version", "--migrations=x"}, CMD_VERSION, CMD_NONE},
	};
	env_begin();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgb_config cfg;
		struct pgb_error err;
		struct args a;
		int rc = load(&cfg, &err, &a, cases[i].argv[0], cases[i].argv[1], cases[i].argv[2], NULL);
		if (rc != 0 || cfg.command != cases[i].cmd)
			fprintf(stderr, "  case %zu\n", i);
		CHECK_INT(rc, 0);
		CHECK_INT(cfg.command, cases[i].cmd);
		if (cases[i].cmd == CMD_HELP)
			CHECK_INT(cfg.help_command, cases[i].help_for);
		done(&cfg, &err, &a);
	}
	env_end();
}

TEST(config_dry_run_is_plan)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--dry-run", NULL), 0);
	CHECK_INT(cfg.command, CMD_PLAN);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "plan", NULL), 0);
	CHECK_INT(cfg.command, CMD_PLAN);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.command, CMD_MIGRATE);
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_log_level_and_format)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("PGBOOT_LOG_LEVEL", "error", 1);
	setenv("PGBOOT_LOG_FORMAT", "json", 1);
	CHECK_INT(load(&cfg, &err, &a, "wait", NULL), 0);
	CHECK_INT(cfg.log_level, LOG_ERROR);
	CHECK_INT(cfg.log_format, LOG_JSON);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "wait", "-v", "--log-format", "text", NULL), 0);
	CHECK_INT(cfg.log_level, LOG_DEBUG);
	CHECK_INT(cfg.log_format, LOG_TEXT);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "wait", "-vq", NULL), 0);
	CHECK_INT(cfg.log_level, LOG_WARNING);
	done(&cfg, &err, &a);

	CHECK_INT(load(&cfg, &err, &a, "wait", "--quiet", "--log-level=debug", NULL), 0);
	CHECK_INT(cfg.log_level, LOG_DEBUG);
	done(&cfg, &err, &a);

	setenv("PGBOOT_LOG_LEVEL", "loud", 1);
	CHECK_INT(load(&cfg, &err, &a, "wait", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_STR(err.message, "invalid value for \"PGBOOT_LOG_LEVEL\": \"loud\"");
	done(&cfg, &err, &a);
	unsetenv("PGBOOT_LOG_LEVEL");

	CHECK_INT(load(&cfg, &err, &a, "wait", "--log-format=xml", NULL), -1);
	CHECK_STR(err.message, "invalid value for \"--log-format\": \"xml\"");
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_variables_of_options_a_command_does_not_take_are_ignored)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("PGBOOT_LOCK_TIMEOUT", "junk", 1);
	setenv("PGBOOT_HISTORY_TABLE", "a.b.c", 1);
	CHECK_INT(load(&cfg, &err, &a, "wait", NULL), 0);
	done(&cfg, &err, &a);
	setenv("PGBOOT_WAIT_TIMEOUT", "junk", 1);
	CHECK_INT(load(&cfg, &err, &a, "version", NULL), 0);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "help", NULL), 0);
	done(&cfg, &err, &a);
	env_end();
}

TEST(config_verify_dir_explicit)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	CHECK_INT(load(&cfg, &err, &a, "verify", "--verify", "checks", NULL), 0);
	CHECK_STR(cfg.verify_dir, "checks");
	CHECK_INT(cfg.verify_dir_explicit, 1);
	done(&cfg, &err, &a);
	setenv("PGBOOT_VERIFY", "envchecks", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_STR(cfg.verify_dir, "envchecks");
	CHECK_INT(cfg.verify_dir_explicit, 1);
	done(&cfg, &err, &a);
	env_end();
}

/* ---- the history table ----------------------------------------------------------- */

TEST(config_history_table)
{
	static const struct {
		const char *text, *schema, *table;
	} good[] = {
		{"pgboot_migrations", NULL, "pgboot_migrations"},
		{"app.schema_history", "app", "schema_history"},
		{"Ops.History", "ops", "history"},
		{"_x$1", NULL, "_x$1"},
		{"s.t$", "s", "t$"},
		{"a23456789012345678901234567890123456789012345678901234567890123", NULL,
		 "a23456789012345678901234567890123456789012345678901234567890123"},
	};
	static const char *const bad[] = {
		"a.b.c", ".x", "x.", ".", "1abc", "s.1t", "a-b", "a b", "\"Quoted\"", "é",
		"a234567890123456789012345678901234567890123456789012345678901234",
	};
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		setenv("PGBOOT_HISTORY_TABLE", good[i].text, 1);
		CHECK_INT(load(&cfg, &err, &a, "status", NULL), 0);
		if (good[i].schema)
			CHECK_STR(cfg.history_schema, good[i].schema);
		else
			CHECK(cfg.history_schema == NULL);
		CHECK_STR(cfg.history_table, good[i].table);
		done(&cfg, &err, &a);
	}
	unsetenv("PGBOOT_HISTORY_TABLE");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char flag[128];
		snprintf(flag, sizeof(flag), "--history-table=%s", bad[i]);
		CHECK_INT(load(&cfg, &err, &a, "migrate", flag, NULL), -1);
		CHECK_INT(err.code, PGB_EXIT_CONFIG);
		char want[160];
		snprintf(want, sizeof(want), "invalid value for \"--history-table\": \"%s\"", bad[i]);
		CHECK_STR(err.message, want);
		CHECK_CONTAINS(err.detail, "SCHEMA.NAME");
		done(&cfg, &err, &a);
	}
	/* the flag beats the variable */
	setenv("PGBOOT_HISTORY_TABLE", "env.hist", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--history-table", "flaghist", NULL), 0);
	CHECK(cfg.history_schema == NULL);
	CHECK_STR(cfg.history_table, "flaghist");
	done(&cfg, &err, &a);
	env_end();
}

/* ---- the environment of the app ---------------------------------------------------- */

static int in_environ(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return 1;
	return 0;
}

TEST(config_scrub_environment_removes_every_pgboot_variable)
{
	static const char *const ours[] = {"PGBOOT_TEST_A", "PGBOOT_TEST_B", "PGBOOT_TEST_C",
					   "PGBOOT_TEST_D", "PGBOOT_"};
	env_begin();
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		setenv(ours[i], "x", 1);
	setenv("PGBOOT_DATABASE_URL", "postgres://owner:pw@db/app", 1);
	setenv("DATABASE_URL", "postgres://app:pw@db/app", 1);
	setenv("NOT_PGBOOT_TEST", "keep", 1);
	setenv("PGBOOTX_TEST", "keep", 1);
	setenv("PGPASSWORD", "apps", 1);
	config_scrub_environment(0);
	CHECK_STR(getenv("PGPASSWORD"), "apps"); /* it did not serve pgboot's own connection string */
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		CHECK(getenv(ours[i]) == NULL);
		CHECK(!in_environ(ours[i]));
	}
	CHECK(getenv("PGBOOT_DATABASE_URL") == NULL);
	CHECK_STR(getenv("DATABASE_URL"), "postgres://app:pw@db/app");
	CHECK_STR(getenv("NOT_PGBOOT_TEST"), "keep");
	CHECK_STR(getenv("PGBOOTX_TEST"), "keep");
	for (char **e = environ; *e; e++)
		CHECK(strncmp(*e, "PGBOOT_", 7) != 0);
	unsetenv("NOT_PGBOOT_TEST");
	unsetenv("PGBOOTX_TEST");
	/* the owner's PGPASSWORD (it let pgboot in with its own connection string) goes */
	config_scrub_environment(1);
	CHECK(getenv("PGPASSWORD") == NULL);
	CHECK_STR(getenv("DATABASE_URL"), "postgres://app:pw@db/app");
	env_end();
}

TEST(config_own_conninfo_is_not_database_url)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	setenv("DATABASE_URL", "postgres://app@db/app", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.own_conninfo, 0);
	done(&cfg, &err, &a);
	setenv("PGBOOT_DATABASE_URL", "postgres://owner@db/app", 1);
	CHECK_INT(load(&cfg, &err, &a, "migrate", NULL), 0);
	CHECK_INT(cfg.own_conninfo, 1);
	done(&cfg, &err, &a);
	unsetenv("PGBOOT_DATABASE_URL");
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--database-url", "postgres://owner@db/app", NULL), 0);
	CHECK_INT(cfg.own_conninfo, 1);
	done(&cfg, &err, &a);
	env_end();
}

/* ---- help ------------------------------------------------------------------------- */

static char *help_of(enum pgb_command cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	config_print_help(cmd, f);
	fclose(f);
	return buf;
}

TEST(config_help_mentions_every_option_and_variable)
{
	static const char *const opts[] = {
		"--database-url=URL", "--migrations=DIR", "--seeds=DIR", "--verify=DIR",
		"--with-test-data", "--wait-timeout=DUR", "--lock-timeout=DUR",
		"--ddl-lock-timeout=DUR", "--ddl-lock-retries=N", "--statement-timeout=DUR",
		"--history-table=[SCHEMA.]NAME", "--log-format=text|json", "--dry-run",
		"--allow-out-of-order", "--no-verify", "--skip-migrate", "-q, --quiet",
		"-v, --verbose", "--json", "-h, --help", "-V, --version", "--log-level=LEVEL",
	};
	enum pgb_command cmds[] = {CMD_NONE, CMD_RUN, CMD_MIGRATE, CMD_WAIT, CMD_STATUS,
				   CMD_VERIFY, CMD_PLAN, CMD_VERSION, CMD_HELP};
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *h = help_of(cmds[i]);
		strbuf_adds(&sb, h);
		free(h);
	}
	const char *all = sb.buf;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		CHECK_CONTAINS(all, opts[i]);
	for (size_t i = 0; i < NVARS; i++)
		if (strcmp(env_vars[i], "PGPASSWORD") != 0)
			CHECK_CONTAINS(all, env_vars[i]);
	CHECK_CONTAINS(all, "AUTO_MIGRATE=false");
	CHECK_CONTAINS(all, "PGBOOT_NO_VERIFY=1");
	strbuf_free(&sb);
}

TEST(config_help_general_lists_commands)
{
	char *h = help_of(CMD_NONE);
	static const char *const words[] = {"run", "migrate", "wait", "status", "verify",
					    "plan", "version", "help", "Usage:", "--database-url",
					    "--wait-timeout", "pgboot COMMAND --help"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		CHECK_CONTAINS(h, words[i]);
	CHECK(strstr(h, "--json") == NULL); /* status only */
	free(h);
}

TEST(config_help_of_a_command_has_its_options_and_exit_status)
{
	char *h = help_of(CMD_MIGRATE);
	CHECK_CONTAINS(h, "pgboot migrate [OPTION]...");
	CHECK_CONTAINS(h, "[env: PGBOOT_WAIT_TIMEOUT] [default: 60s]");
	CHECK_CONTAINS(h, "[default: 5m]");
	CHECK_CONTAINS(h, "PGBOOT_DATABASE_URL_FILE");
	CHECK_CONTAINS(h, "Exit status:");
	CHECK_CONTAINS(h, "  75     migration lock not acquired");
	CHECK_CONTAINS(h, "  3      a migration or seed failed");
	CHECK_CONTAINS(h, "128+N");
	CHECK(strstr(h, "--json") == NULL);
	CHECK(strstr(h, "--skip-migrate") == NULL);
	CHECK(strstr(h, "127") == NULL);
	free(h);

	h = help_of(CMD_RUN);
	CHECK_CONTAINS(h, "pgboot run [OPTION]... -- APP [ARGS]...");
	CHECK_CONTAINS(h, "--skip-migrate");
	CHECK_CONTAINS(h, "  126    APP exists but cannot be executed");
	CHECK_CONTAINS(h, "  127    APP not found");
	free(h);

	h = help_of(CMD_STATUS);
	CHECK_CONTAINS(h, "--json");
	CHECK_CONTAINS(h, "  5      history and files disagree");
	CHECK(strstr(h, "--lock-timeout") == NULL);
	free(h);

	h = help_of(CMD_WAIT);
	CHECK_CONTAINS(h, "  69     database not available");
	CHECK(strstr(h, "--migrations") == NULL);
	free(h);
}

TEST(config_baseline_version_and_new_name)
{
	struct pgb_config cfg;
	struct pgb_error err;
	struct args a;
	env_begin();
	/* after the word baseline, --version takes VERSION; elsewhere it is the version flag */
	CHECK_INT(load(&cfg, &err, &a, "baseline", "--version", "0003", "--confirm", NULL), 0);
	CHECK_INT(cfg.command, CMD_BASELINE);
	CHECK_STR(cfg.baseline_version, "0003");
	CHECK_INT(cfg.confirm, 1);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "baseline", "-V", NULL), 0);
	CHECK_INT(cfg.command, CMD_VERSION);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "migrate", "--version", NULL), 0);
	CHECK_INT(cfg.command, CMD_VERSION);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "baseline", "--confirm", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_USAGE);
	CHECK_STR(err.message, "command \"baseline\" requires --version VERSION");
	done(&cfg, &err, &a);
	setenv("PGBOOT_BASELINE_VERSION", "7", 1);
	CHECK_INT(load(&cfg, &err, &a, "baseline", "--verify-first", NULL), 0);
	CHECK_STR(cfg.baseline_version, "7");
	CHECK_INT(cfg.verify_first, 1);
	done(&cfg, &err, &a);
	/* new NAME: one word, and new takes no database option */
	CHECK_INT(load(&cfg, &err, &a, "new", "add_users", "--migrations", "db", NULL), 0);
	CHECK_INT(cfg.command, CMD_NEW);
	CHECK_STR(cfg.new_name, "add_users");
	CHECK_STR(cfg.migrations_dir, "db");
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "new", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_USAGE);
	done(&cfg, &err, &a);
	CHECK_INT(load(&cfg, &err, &a, "new", "x", "--database-url", "postgres://h/d", NULL), -1);
	CHECK_INT(err.code, PGB_EXIT_USAGE);
	done(&cfg, &err, &a);
	env_end();
}
