/* test_lockrec.c: the stored lock record (lockrec.h) split into items and written as JSON. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lockrec.h"

TEST(lockrec_parses_modes_and_names)
{
	struct lockrec_item *it;
	int n = lockrec_parse("ACCESS EXCLUSIVE public.users, SHARE UPDATE EXCLUSIVE public.t, SHARE ROW EXCLUSIVE "
			      "s.x, SHARE public.events, ROW EXCLUSIVE \"Odd, S\".\"T \"\"1\"\"\", EXCLUSIVE a.b, "
			      "ACCESS SHARE a.c, ROW SHARE a.d",
			      &it);
	CHECK_INT(n, 8);
	if (n != 8)
		return;
	const char *modes[] = {"ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE",
			       "ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS SHARE", "ROW SHARE"};
	const char *tables[] = {"public.users", "public.t", "s.x", "public.events", "\"Odd, S\".\"T \"\"1\"\"\"",
				"a.b", "a.c", "a.d"};
	for (int i = 0; i < n; i++) {
		CHECK_STR(it[i].mode, modes[i]);
		CHECK_STR(it[i].table, tables[i]);
	}
	lockrec_free(it, n);
	CHECK_INT(lockrec_parse("", &it), 0);
	CHECK(it == NULL);
}

TEST(lockrec_refuses_other_text)
{
	const char *bad[] = {"EXCLUSIVE", "FOO public.a", "SHARE ", "SHARE a.b, ", "SHARE \"open.b", "share a.b",
			     "SHARE a.b, , SHARE c.d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lockrec_item *it = (struct lockrec_item *)1;
		int n = lockrec_parse(bad[i], &it);
		CHECK_INT(n, -1);
		CHECK(it == NULL);
	}
	struct lockrec_item *it;
	CHECK_INT(lockrec_parse(NULL, &it), -1);
}

TEST(lockrec_json_forms)
{
	struct strbuf sb;
	strbuf_init(&sb);
	lockrec_json(&sb, "ACCESS EXCLUSIVE public.users, ROW EXCLUSIVE \"a\"\"b\".c");
	CHECK_STR(sb.buf, "[{\"table\":\"public.users\",\"mode\":\"ACCESS EXCLUSIVE\"},"
			  "{\"table\":\"\\\"a\\\"\\\"b\\\".c\",\"mode\":\"ROW EXCLUSIVE\"}]");
	strbuf_reset(&sb);
	lockrec_json(&sb, "");
	CHECK_STR(sb.buf, "[]");
	strbuf_reset(&sb);
	lockrec_json(&sb, NULL);
	CHECK_STR(sb.buf, "null");
	strbuf_reset(&sb);
	lockrec_json(&sb, "something else");
	CHECK_STR(sb.buf, "\"something else\"");
	strbuf_free(&sb);
}

TEST(lockrec_sql_names_the_history_and_every_mode)
{
	char *sql = lockrec_sql("'\"public\".\"h\"'");
	CHECK_CONTAINS(sql, "t.oid <> '\"public\".\"h\"'::pg_catalog.regclass");
	CHECK_CONTAINS(sql, "'AccessExclusiveLock'");
	CHECK_CONTAINS(sql, "'SHARE UPDATE EXCLUSIVE'");
	CHECK_CONTAINS(sql, "pg_catalog.pg_backend_pid()");
	free(sql);
}
