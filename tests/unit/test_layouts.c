/*
 * test_layouts.c: each layout of the table (layout.h) reads its own
 * examples through marker_read, as a test of its own ("layouts: <name>"):
 * a new layout is tested by the line that adds it to the table.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layout.h"

static void run_layout(size_t k)
{
	const struct layout *l = layouts[k];
	if (!l || !l->read_marker) /* past the table's end, or a layout of files and no markers */
		return;
	CHECK(l->name != NULL && l->examples != NULL);
	int n = 0;
	for (const struct layout_example *ex = l->examples; ex && ex->line; ex++, n++) {
		struct marker m;
		struct pgb_error err;
		pgb_error_init(&err);
		size_t len = strlen(ex->line);
		int rc = marker_read(ex->line, len, &m, &err);
		if (rc != -ex->refused || (!ex->refused && m.kind != ex->kind))
			fprintf(stderr, "layout %s: \"%s\" read as %d (rc %d)\n", l->name, ex->line, (int)m.kind, rc);
		CHECK_INT(rc, -ex->refused);
		if (ex->refused) {
			CHECK_CONTAINS(err.message, "unrecognized marker");
			CHECK(err.hint != NULL);
		} else {
			CHECK_INT(m.kind, ex->kind);
		}
		/* a layout that claims comments claims its near misses too: they are never lost as comments */
		if (l->claims && (ex->refused || ex->kind != MARKER_NONE))
			CHECK(marker_is_candidate(ex->line, len));
		pgb_error_free(&err);
	}
	CHECK(n > 0);
}

#define LAYOUT_TEST(k)                                                 \
	static void layout_test_##k(void)                              \
	{                                                              \
		run_layout(k);                                         \
	}
LAYOUT_TEST(0)
LAYOUT_TEST(1)
LAYOUT_TEST(2)
LAYOUT_TEST(3)
LAYOUT_TEST(4)
LAYOUT_TEST(5)
LAYOUT_TEST(6)
LAYOUT_TEST(7)
LAYOUT_TEST(8)
LAYOUT_TEST(9)
LAYOUT_TEST(10)
LAYOUT_TEST(11)
LAYOUT_TEST(12)
LAYOUT_TEST(13)
LAYOUT_TEST(14)
LAYOUT_TEST(15)
static const check_fn layout_tests[] = {layout_test_0,  layout_test_1,  layout_test_2,  layout_test_3,
					layout_test_4,  layout_test_5,  layout_test_6,  layout_test_7,
					layout_test_8,  layout_test_9,  layout_test_10, layout_test_11,
					layout_test_12, layout_test_13, layout_test_14, layout_test_15};

__attribute__((constructor)) static void register_layouts(void)
{
	static char names[sizeof(layout_tests) / sizeof(layout_tests[0])][80];
	for (size_t k = 0; layouts[k] && k < sizeof(layout_tests) / sizeof(layout_tests[0]); k++) {
		snprintf(names[k], sizeof(names[k]), "layouts: %s", layouts[k]->name);
		check_register(names[k], layout_tests[k]);
	}
}

TEST(layouts_table_fits_the_tests_and_pgboot_names_the_files)
{
	size_t n = 0;
	while (layouts[n])
		n++;
	CHECK(n <= sizeof(layout_tests) / sizeof(layout_tests[0])); /* else add LAYOUT_TEST lines */
	CHECK_STR(layout_files()->name, "pgboot");
	struct pgb_version v;
	char *name = NULL;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(layout_files()->parse_name("0007_users.sql", &v, &name, &err), 1);
	CHECK_STR(name, "users");
	free(name);
	version_free(&v);
	pgb_error_free(&err);
}
