/* Unit tests: the next version of pgboot new (src/layouts/create.c, layout_next_version). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layout.h"

/* 2026-12-07 03:04:05 UTC */
#define NOW 1796612645LL

/* The next version after files with these version texts (NULL-terminated). */
static char *next(int stamp_when_empty, const char *const *versions)
{
	struct migfile files[8];
	struct migset set = {files, 0, NULL, 0};
	memset(files, 0, sizeof(files));
	for (; versions && *versions; versions++) {
		CHECK(version_parse_text(*versions, &files[set.n].version) == 0);
		files[set.n].path = (char *)"migrations/x.sql";
		set.n++;
	}
	char *v = layout_next_version(&set, stamp_when_empty, NOW);
	for (size_t i = 0; i < set.n; i++)
		version_free(&files[i].version);
	return v;
}

#define NEXT(want, stamp, ...)                                              \
	do {                                                                \
		const char *const vs[] = {__VA_ARGS__, NULL};               \
		char *got = next(stamp, vs);                                \
		CHECK_STR(got, want);                                       \
		free(got);                                                  \
	} while (0)

TEST(new_version_follows_the_files)
{
	NEXT("0007", 0, "0005", "0006");
	NEXT("0007", 1, "0006", "0005");           /* the newest, whatever the order */
	NEXT("0100", 0, "0099");                   /* the width kept while it fits */
	NEXT("10000", 0, "9999");
	NEXT("2025_02", 0, "2025_01");             /* the last group */
	NEXT("1.10", 0, "1.9");
	NEXT("20261207030405", 0, "20240101120000"); /* a timestamp: now, UTC */
	NEXT("2026_12_07_030405", 0, "2024_01_01_120000");
	NEXT("20261207030405000", 0, "20240101120000123"); /* longer: zeros after the seconds */
	NEXT("20991231235960", 0, "20991231235959"); /* the clock behind the newest: one past it */
	NEXT("12345678901235", 0, "12345678901234"); /* 14 digits but no date: a number */
	char *v = layout_next_version(NULL, 0, NOW);
	CHECK_STR(v, "0001");
	free(v);
	v = layout_next_version(NULL, 1, NOW);
	CHECK_STR(v, "20261207030405");
	free(v);
}
