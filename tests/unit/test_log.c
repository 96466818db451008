/* test_log.c: the text and JSON lines of log.c, and the masking of a registered connection string. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "log.h"
#include "xmem.h"

/* Standard error goes to a temporary file while fn runs; returns what was written. */
static int g_saved = -1;
static FILE *g_capture;

static void capture_begin(void)
{
	fflush(stderr);
	g_capture = tmpfile();
	g_saved = dup(2);
	dup2(fileno(g_capture), 2);
}

static char *capture_end(void)
{
	fflush(stderr);
	dup2(g_saved, 2);
	close(g_saved);
	long n = ftell(g_capture);
	char *out = xcalloc((size_t)n + 1, 1);
	rewind(g_capture);
	size_t got = fread(out, 1, (size_t)n, g_capture);
	out[got] = '\0';
	fclose(g_capture);
	return out;
}

/* the JSON line from "level" on: the timestamp before it changes */
static const char *after_ts(const char *line)
{
	const char *p = strstr(line, ",\"level\"");
	return p ? p : line;
}

TEST(log_text_lines)
{
	log_setup(LOG_TEXT, LOG_INFO, 0);
	capture_begin();
	log_event(LOG_INFO, "up_to_date", LOG_FIELDS(LF_INT("migrations", 3)), "database is up to date (%d migrations)", 3);
	log_event(LOG_WARNING, "w", NULL, "file \"%s\"", "a\nb\033[31m\tc");
	log_event(LOG_DEBUG, "d", NULL, "not shown at info");
	char *out = capture_end();
	CHECK_STR(out, "pgboot: database is up to date (3 migrations)\n"
		       "pgboot: warning: file \"a\\nb\\x1b[31m\tc\"\n");
	free(out);
}

TEST(log_text_error_with_locus_and_parts)
{
	struct pgb_error err;
	pgb_error_init(&err);
	pgb_fail(&err, PGB_EXIT_MIGRATION, "relation \"users\" does not exist");
	memcpy(err.sqlstate, "42P01", 6);
	pgb_error_locus(&err, "migrations/0007_users.sql", 12, 5);
	pgb_error_detail(&err, "First line.\nSecond line.");
	pgb_error_hint(&err, "Create it first.");
	log_setup(LOG_TEXT, LOG_INFO, 0);
	capture_begin();
	log_error(&err);
	char *out = capture_end();
	CHECK_STR(out, "pgboot: migrations/0007_users.sql:12:5: error: relation \"users\" does not exist (SQLSTATE 42P01)\n"
		       "pgboot: detail: First line.\n"
		       "pgboot: detail: Second line.\n"
		       "pgboot: hint: Create it first.\n");
	free(out);
	log_setup(LOG_JSON, LOG_INFO, 0);
	capture_begin();
	log_error(&err);
	out = capture_end();
	CHECK(strncmp(out, "{\"ts\":\"", 7) == 0);
	CHECK_STR(after_ts(out), ",\"level\":\"error\",\"event\":\"error\",\"msg\":\"relation \\\"users\\\" does not exist\","
				 "\"exit\":3,\"sqlstate\":\"42P01\",\"file\":\"migrations/0007_users.sql\",\"line\":12,"
				 "\"column\":5,\"detail\":\"First line.\\nSecond line.\",\"hint\":\"Create it first.\"}\n");
	free(out);
	pgb_error_free(&err);
	log_setup(LOG_TEXT, LOG_INFO, 0);
}

TEST(log_json_event_fields)
{
	log_setup(LOG_JSON, LOG_INFO, 0);
	capture_begin();
	log_event(LOG_WARNING, "no_seeds", LOG_FIELDS(LF_STR("dir", "se\"eds"), LF_INT("n", -2), LF_STR("none", NULL)),
		  "no seed files in \"%s\"", "se\"eds");
	log_event(LOG_DEBUG, "d", NULL, "not shown at info");
	char *out = capture_end();
	CHECK(strncmp(out, "{\"ts\":\"", 7) == 0);
	CHECK_STR(after_ts(out), ",\"level\":\"warning\",\"event\":\"no_seeds\",\"msg\":\"no seed files in \\\"se\\\"eds\\\"\","
				 "\"dir\":\"se\\\"eds\",\"n\":-2}\n");
	free(out);
	log_setup(LOG_TEXT, LOG_INFO, 0);
}

/* A password JSON or text escaping would change is masked before the escaping, in every part. */
TEST(log_masks_a_registered_connection_string)
{
	const char *url = "postgres://app:s3\"cr\\et@db/app";
	log_add_conninfo(url);
	struct pgb_error err;
	pgb_error_init(&err);
	pgb_fail(&err, PGB_EXIT_CONFIG, "invalid URL \"%s\"", url);
	pgb_error_hint(&err, "Check %s.", url);
	for (int json = 0; json <= 1; json++) {
		log_setup(json ? LOG_JSON : LOG_TEXT, LOG_INFO, 0);
		capture_begin();
		log_event(LOG_INFO, "x", LOG_FIELDS(LF_STR("url", url)), "connecting to %s", url);
		log_error(&err);
		char *out = capture_end();
		CHECK(strstr(out, "s3") == NULL);
		CHECK(strstr(out, "cr") == NULL);
		CHECK_CONTAINS(out, "postgres://app:***@db/app");
		free(out);
	}
	char *m = log_mask(url);
	CHECK_STR(m, "postgres://app:***@db/app");
	free(m);
	log_forget_secrets();
	m = log_mask(url);
	CHECK_STR(m, url);
	free(m);
	pgb_error_free(&err);
	log_setup(LOG_TEXT, LOG_INFO, 0);
}
