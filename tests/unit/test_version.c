/* Unit tests: version parsing and ordering (version.c). */
#include <stdlib.h>

#include "check.h"
#include "version.h"

static int cmp(const char *a, const char *b)
{
	struct pgb_version va, vb;
	CHECK(version_parse_text(a, &va) == 0);
	CHECK(version_parse_text(b, &vb) == 0);
	int c = version_compare(&va, &vb);
	version_free(&va);
	version_free(&vb);
	return c < 0 ? -1 : c > 0;
}

TEST(version_compares_groups_as_numbers)
{
	CHECK_INT(cmp("0001", "0002"), -1);
	CHECK_INT(cmp("0023", "23"), 0);
	CHECK_INT(cmp("9", "10"), -1);
	CHECK_INT(cmp("2025_01", "2025_2"), -1);
	CHECK_INT(cmp("2025_10", "2025_9"), 1);
	CHECK_INT(cmp("2025", "2025_01"), -1);
	CHECK_INT(cmp("2025.1", "2025_1"), 0);
	CHECK_INT(cmp("20251013120000", "20251013120001"), -1);
	CHECK_INT(cmp("99999999999999999999999", "100000000000000000000000"), -1);
	CHECK_INT(cmp("0", "0000"), 0);
}

static int parse(const char *file, char **ver, char **name)
{
	struct pgb_version v;
	struct pgb_error err;
	pgb_error_init(&err);
	int r = version_parse_filename(file, &v, name, &err);
	*ver = r == 1 ? v.text : NULL;
	if (r == 1) {
		v.text = NULL;
		version_free(&v);
	}
	if (r < 0)
		CHECK_CONTAINS(err.message, file);
	pgb_error_free(&err);
	return r;
}

TEST(version_parses_file_names)
{
	char *v, *n;
	CHECK_INT(parse("0001_init.sql", &v, &n), 1);
	CHECK_STR(v, "0001");
	CHECK_STR(n, "init");
	free(v), free(n);
	CHECK_INT(parse("0023_round_gateway.sql", &v, &n), 1);
	CHECK_STR(n, "round_gateway");
	free(v), free(n);
	CHECK_INT(parse("2025_01_create_conversation_metrics.sql", &v, &n), 1);
	CHECK_STR(v, "2025_01");
	CHECK_STR(n, "create_conversation_metrics");
	free(v), free(n);
	CHECK_INT(parse("20251013120000-add-users.sql", &v, &n), 1);
	CHECK_STR(v, "20251013120000");
	CHECK_STR(n, "add-users");
	free(v), free(n);
	CHECK_INT(parse("1.2.3.fix.sql", &v, &n), 1);
	CHECK_STR(v, "1.2.3");
	CHECK_STR(n, "fix");
	free(v), free(n);
	CHECK_INT(parse("0002_fix_1009.sql", &v, &n), 1);
	CHECK_STR(n, "fix_1009");
	free(v), free(n);
	CHECK_INT(parse("0007.sql", &v, &n), 1);
	CHECK_STR(n, "");
	free(v), free(n);
}

TEST(version_ignores_other_files)
{
	char *v, *n;
	CHECK_INT(parse("README.md", &v, &n), 0);
	CHECK_INT(parse(".keep", &v, &n), 0);
	CHECK_INT(parse("0001_init.sql.bak", &v, &n), 0);
}

TEST(version_refuses_bad_names)
{
	char *v, *n;
	CHECK_INT(parse("init.sql", &v, &n), -1);
	CHECK_INT(parse("V1__init.sql", &v, &n), -1);
	CHECK_INT(parse("0001-2fix.sql", &v, &n), -1);
	CHECK_INT(parse("0001x.sql", &v, &n), -1);
	CHECK_INT(parse("0001_.sql", &v, &n), -1);
	CHECK_INT(parse("0001_init.SQL", &v, &n), -1);
	CHECK_INT(parse("0001_init.down.sql", &v, &n), -1);
	CHECK_INT(parse("0001_init.up.sql", &v, &n), -1);
	CHECK_INT(parse("0001_a\tb.sql", &v, &n), -1);
}

TEST(version_parse_text_refuses_junk)
{
	struct pgb_version v;
	CHECK(version_parse_text("", &v) != 0);
	CHECK(version_parse_text("12a", &v) != 0);
	CHECK(version_parse_text("12_", &v) != 0);
	CHECK(version_parse_text("_12", &v) != 0);
}
