/* test_flyway.c: Flyway's names, version order and checksum (flyway.h) */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flyway.h"

static int parse(const char *fname, struct flyway_name *n)
{
	struct pgb_error err;
	pgb_error_init(&err);
	int r = flyway_parse_name(fname, n, &err);
	if (r < 0) {
		CHECK_CONTAINS(err.message, fname);
		CHECK(err.hint != NULL);
	}
	pgb_error_free(&err);
	return r;
}

TEST(flyway_names_as_resource_name_parser_reads_them)
{
	struct flyway_name n;
	CHECK_INT(parse("V1_1__add_person.sql", &n), 1);
	CHECK_INT(n.kind, FLYWAY_VERSIONED);
	CHECK_STR(n.version, "1.1");
	CHECK_STR(n.description, "add person");
	flyway_name_free(&n);
	CHECK_INT(parse("V1.10__x__y.sql", &n), 1); /* split at the first "__" */
	CHECK_STR(n.version, "1.10");
	CHECK_STR(n.description, "x  y");
	flyway_name_free(&n);
	CHECK_INT(parse("V001.sql", &n), 1); /* no description */
	CHECK_STR(n.version, "001");
	CHECK_STR(n.description, "");
	flyway_name_free(&n);
	CHECK_INT(parse("U2__drop.sql", &n), 1);
	CHECK_INT(n.kind, FLYWAY_UNDO);
	CHECK_STR(n.version, "2");
	flyway_name_free(&n);
	CHECK_INT(parse("R__views.sql", &n), 1);
	CHECK_INT(n.kind, FLYWAY_REPEATABLE);
	CHECK(n.version == NULL);
	CHECK_STR(n.description, "views");
	flyway_name_free(&n);
	CHECK_INT(parse("B3__base.sql", &n), 1);
	CHECK_INT(n.kind, FLYWAY_BASELINE);
	flyway_name_free(&n);
	CHECK_INT(parse("beforeMigrate.sql", &n), 1);
	CHECK_INT(n.kind, FLYWAY_CALLBACK);
	flyway_name_free(&n);
	/* not Flyway's: ignored, as Flyway ignores them */
	CHECK_INT(parse("README.md", &n), 0);
	CHECK_INT(parse("init.sql", &n), 0);
	CHECK_INT(parse("v1__lower.sql", &n), 0);
	CHECK_INT(parse("V1__x.SQL", &n), 0);
	CHECK_INT(parse("V1__x.sql.conf", &n), 0);
	/* a Flyway prefix with a name Flyway finds invalid */
	CHECK_INT(parse("V1_init.sql", &n), -1);
	CHECK_INT(parse("V__x.sql", &n), -1);
	CHECK_INT(parse("V1..2__x.sql", &n), -1);
	CHECK_INT(parse("V1.__x.sql", &n), -1);
	CHECK_INT(parse("R1__x.sql", &n), -1);
	CHECK_INT(parse("Vacuum.sql", &n), -1);
	CHECK_INT(parse("0001_init.sql", &n), -1); /* pgboot's name: Flyway would skip it */
}

TEST(flyway_versions_compare_as_migration_version)
{
	CHECK(flyway_version_compare("1.10", "1.9") > 0);
	CHECK(flyway_version_compare("1.9", "1.10") < 0);
	CHECK(flyway_version_compare("1.0", "1") == 0);
	CHECK(flyway_version_compare("1.0.0", "1") == 0);
	CHECK(flyway_version_compare("001", "1") == 0);
	CHECK(flyway_version_compare("1.0.1", "1") > 0);
	CHECK(flyway_version_compare("2", "1.99") > 0);
	CHECK(flyway_version_compare("20250101120000", "9") > 0);
	CHECK(flyway_version_compare("1.1", "1.01") == 0);
}

/*
 * Expected values computed independently with Python: zlib.crc32 over the bytes with the BOM and every
 * CR and LF removed (what Flyway's line-by-line CRC32 sees), made signed:
 *   v = zlib.crc32(b'CREATE TABLE t (id int);-- noteSELECT 1;')   -> 1762821721
 *   v = zlib.crc32(b'CREATE TABLE a (id int);'); v - 2**32         -> -623083431
 */
TEST(flyway_checksum_is_crc32_over_lines)
{
	const char *a = "\xEF\xBB\xBF"
			"CREATE TABLE t (id int);\r\n-- note\r\n\rSELECT 1;\n";
	CHECK_INT(flyway_checksum(a, strlen(a)), 1762821721);
	const char *b = "CREATE TABLE t (id int);\n-- note\n\nSELECT 1;"; /* line endings do not matter */
	CHECK_INT(flyway_checksum(b, strlen(b)), 1762821721);
	const char *c = "CREATE TABLE a (id int);\n";
	CHECK_INT(flyway_checksum(c, strlen(c)), -623083431);
	CHECK_INT(flyway_checksum("", 0), 0);
}
