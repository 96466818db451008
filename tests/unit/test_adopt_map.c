/* test_adopt_map.c: --map REVISION=VERSION and --map-file's lines. */
#include <stdlib.h>

#include "adopt_map.h"
#include "check.h"

TEST(adopt_map_reads_lists_and_lines)
{
	struct adopt_map m = {0};
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK(adopt_map_add(&m, "ae1027a6acf=0007, 1975ea83b712=0003 x9=2025_01", "--map", 1, &err) == 0);
	CHECK(adopt_map_add(&m, "# revisions\n\n  27c6a30d7c24=0012   # head\r\nae1027a6acf=0007\n", "alembic.map", 0,
			    &err) == 0);
	CHECK_INT(m.n, 5);
	const char *origin = NULL;
	CHECK_STR(adopt_map_find(&m, "1975ea83b712", &origin), "0003");
	CHECK_STR(origin, "--map");
	CHECK_STR(adopt_map_find(&m, "27c6a30d7c24", &origin), "0012");
	CHECK_STR(origin, "alembic.map:3");
	CHECK_STR(adopt_map_find(&m, "x9", NULL), "2025_01");
	CHECK(adopt_map_find(&m, "nope", NULL) == NULL);
	adopt_map_free(&m);
	pgb_error_free(&err);
}

TEST(adopt_map_refuses_bad_entries)
{
	const char *bad[][2] = {{"ae1027", "1"}, {"=0007", "1"}, {"ae=", "1"}, {"ae=v7", "1"},
				{"a=1 b=2\n", "0"}, {"a=1\na=2", "0"}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct adopt_map m = {0};
		struct pgb_error err;
		pgb_error_init(&err);
		CHECK(adopt_map_add(&m, bad[i][0], "f.map", bad[i][1][0] == '1', &err) == -1);
		CHECK_INT(err.code, PGB_EXIT_CONFIG);
		CHECK(err.message && strstr(err.message, "f.map"));
		adopt_map_free(&m);
		pgb_error_free(&err);
	}
	/* a file's refusal names its line */
	struct adopt_map m = {0};
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK(adopt_map_add(&m, "# map\nz=3\na=1 b=2\n", "f.map", 0, &err) == -1);
	CHECK(err.message && strstr(err.message, "f.map:3: "));
	adopt_map_free(&m);
	pgb_error_free(&err);
}
