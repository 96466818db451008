/* test_duration.c: duration_parse and duration_format, table-driven. */
#include <stdlib.h>

#include "check.h"
#include "duration.h"

struct good_case {
	const char *text;
	long long ms;
};

static const struct good_case good[] = {
	{"0", 0},
	{"0s", 0},
	{"0ms", 0},
	{"500ms", 500},
	{"30s", 30000},
	{"30", 30000},
	{"5m", 300000},
	{"1h", 3600000},
	{"1h30m", 5400000},
	{"1m30s", 90000},
	{"2s500ms", 2500},
	{"1.5s", 1500},
	{"1.500s", 1500},
	{"0.25m", 15000},
	{"0.5h", 1800000},
	{"1.5", 1500},
	{"0.001s", 1},
	{"007s", 7000},
	{"2147483647ms", 2147483647LL},
	{"2147483s", 2147483000LL},
	{"596h", 2145600000LL},
};

TEST(duration_parses_good_values)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pgb_error err;
		long long ms = -1;
		pgb_error_init(&err);
		int rc = duration_parse(good[i].text, "--wait-timeout", &ms, &err);
		if (rc != 0)
			fprintf(stderr, "  case \"%s\": %s\n", good[i].text, err.message);
		CHECK_INT(rc, 0);
		CHECK_INT(ms, good[i].ms);
		pgb_error_free(&err);
	}
}

struct bad_case {
	const char *text;
	const char *detail; /* expected part of the detail, or NULL for none */
};

static const struct bad_case bad[] = {
	{"", NULL},
	{"5x", NULL},
	{"ms", NULL},
	{" 5s", NULL},
	{"5s ", NULL},
	{"5 s", NULL},
	{"-5s", "negative"},
	{"-1", "negative"},
	{"+5s", NULL},
	{"5S", NULL},
	{"5min", NULL},
	{"1h30", NULL},
	{"1.s", NULL},
	{".5s", NULL},
	{"1..5s", NULL},
	{"1.5ms", "whole number of milliseconds"},
	{"0.0001s", "whole number of milliseconds"},
	{"2147483648ms", "largest"},
	{"597h", "largest"},
	{"99999999999999999999999999h", "largest"},
	{"596h60m", "largest"},
	{"1e3s", NULL},
	{"0x10s", NULL},
};

TEST(duration_rejects_bad_values_naming_setting_and_text)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pgb_error err;
		long long ms = 12345;
		pgb_error_init(&err);
		int rc = duration_parse(bad[i].text, "--lock-timeout", &ms, &err);
		if (rc != -1)
			fprintf(stderr, "  case \"%s\" was accepted as %lld\n", bad[i].text, ms);
		CHECK_INT(rc, -1);
		CHECK_INT(err.code, PGB_EXIT_CONFIG);
		char want[128];
		snprintf(want, sizeof(want), "invalid value for \"--lock-timeout\": \"%s\"", bad[i].text);
		CHECK_STR(err.message, want);
		CHECK_STR(err.hint, "Use a number with a unit: 500ms, 30s, 5m, 1h.");
		if (bad[i].detail)
			CHECK_CONTAINS(err.detail, bad[i].detail);
		else
			CHECK(err.detail == NULL);
		CHECK_INT(ms, 12345); /* untouched on failure */
		pgb_error_free(&err);
	}
}

TEST(duration_parse_null_text_is_an_error)
{
	struct pgb_error err;
	long long ms;
	pgb_error_init(&err);
	CHECK_INT(duration_parse(NULL, "PGBOOT_WAIT_TIMEOUT", &ms, &err), -1);
	CHECK_STR(err.message, "invalid value for \"PGBOOT_WAIT_TIMEOUT\": \"\"");
	pgb_error_free(&err);
}

struct fmt_case {
	long long ms;
	const char *text;
};

static const struct fmt_case fmts[] = {
	{0, "0"},
	{1, "1ms"},
	{250, "250ms"},
	{1000, "1s"},
	{1500, "1s500ms"},
	{30000, "30s"},
	{60000, "1m"},
	{300000, "5m"},
	{3600000, "1h"},
	{5400000, "1h30m"},
	{3723004, "1h2m3s4ms"},
	{2147483647LL, "596h31m23s647ms"},
};

TEST(duration_format_is_compact_and_parses_back)
{
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char buf[32];
		duration_format(fmts[i].ms, buf, sizeof(buf));
		CHECK_STR(buf, fmts[i].text);
		struct pgb_error err;
		long long back = -1;
		pgb_error_init(&err);
		CHECK_INT(duration_parse(buf, "x", &back, &err), 0);
		CHECK_INT(back, fmts[i].ms);
		pgb_error_free(&err);
	}
}

TEST(duration_format_truncates_safely)
{
	char buf[4] = "zzz";
	duration_format(5400000, buf, sizeof(buf));
	CHECK(strlen(buf) < sizeof(buf));
	duration_format(1000, buf, 0); /* must not write */
	char one[1];
	duration_format(1000, one, sizeof(one));
	CHECK_STR(one, "");
}
