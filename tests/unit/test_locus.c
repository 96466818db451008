/* test_locus.c: server error positions mapped to file:line:column (locus.h). */
#include <string.h>

#include "check.h"
#include "locus.h"

static const char file[] = "CREATE TABLE a (x int);\n"
			   "SELECT nope\n  FROM a;\n"
			   "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN nope;\nEND\n$body$;\n";

/* Locate an error with the given position fields; the map covers the whole file after `prefix` characters. */
static void locate(long prefix, int position, int internal, const char *context, long stmt, int bodies,
		   struct pgb_error *err)
{
	struct sql_script s;
	CHECK_INT(sql_split(file, strlen(file), NULL, &s, NULL), 0);
	pgb_error_init(err);
	pgb_fail(err, 3, "boom");
	err->position = position;
	err->internal_position = internal;
	err->context = context ? strdup(context) : NULL;
	struct locus_map m = {"m.sql", file, strlen(file), &s, 0, strlen(file), prefix, stmt, bodies};
	locus_locate(&m, err);
	sql_script_free(&s);
}

TEST(locus_by_position_after_a_prefix)
{
	struct pgb_error err;
	locate(10, 10 + 32, 0, NULL, -1, 1, &err); /* character 32 of the file: "nope" on line 2 */
	CHECK_STR(err.file, "m.sql");
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 8);
	CHECK_CONTAINS(err.excerpt, "LINE 2: SELECT nope");
	pgb_error_free(&err);
}

TEST(locus_position_in_the_prefix_falls_back_to_the_statement)
{
	struct pgb_error err;
	locate(10, 5, 0, NULL, 1, 1, &err);
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 1);
	pgb_error_free(&err);
}

TEST(locus_inside_a_function_body)
{
	struct pgb_error err;
	locate(0, 0, 0, "PL/pgSQL function f() line 3 at RETURN", 2, 1, &err);
	CHECK_INT(err.line, 6); /* the body opens on line 4 just after $body$: its line 3, RETURN, is the file's 6 */
	CHECK_CONTAINS(err.excerpt, "RETURN nope");
	pgb_error_free(&err);
	locate(0, 0, 0, "PL/pgSQL function f() line 3 at RETURN", 2, 0, &err);
	CHECK_INT(err.line, 4); /* without bodies: the statement's start */
	pgb_error_free(&err);
}

TEST(locus_unknown_is_the_file_alone)
{
	struct pgb_error err;
	locate(0, 0, 0, NULL, -1, 1, &err);
	CHECK_STR(err.file, "m.sql");
	CHECK_INT(err.line, 0);
	CHECK(err.excerpt == NULL);
	pgb_error_free(&err);
}
