/*
 * test_rules.c: each rule of the table (rules.h) runs its own examples, as
 * a test of its own ("rules: <id>"): a new rule is tested by the line that
 * adds it to the table.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rules.h"

/* Ask rule r about one example; 1 when it refused it (with the rule's words and a locus). */
static int refuses(const struct rule *r, const struct rule_example *ex)
{
	struct sqlsplit_opts o = {.standard_conforming_strings = 1};
	struct sql_script script;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(ex->sql, strlen(ex->sql), &o, &script, &err), 0);
	struct rule_unit u = {"m.sql", "migration", ex->sql, strlen(ex->sql), &script, ex->flags, 77, ex->rerun_done};
	int rc = rule_check(r, &u, &err);
	if (rc) {
		CHECK(err.code == PGB_EXIT_CONFIG || err.code == PGB_EXIT_DRIFT);
		CHECK_CONTAINS(err.message, "\"m.sql\"");
		CHECK(err.hint != NULL);
	} else {
		CHECK_INT(err.code, 0);
		/* the whole table agrees: an example one rule lets pass is refused by none, or by another */
	}
	pgb_error_free(&err);
	sql_script_free(&script);
	return rc != 0;
}

static void run_rule(size_t k)
{
	const struct rule *r = rules[k];
	int refused = 0, passed = 0;
	CHECK(r->id != NULL && (r->statement != NULL) != (r->file != NULL));
	CHECK(r->file || (r->what != NULL && r->hint != NULL) || strcmp(r->id, "releases-lock") == 0);
	for (const struct rule_example *ex = r->examples; ex && ex->sql; ex++) {
		int got = refuses(r, ex);
		if (got != ex->refused)
			fprintf(stderr, "rule %s: example \"%s\" %s\n", r->id, ex->sql,
				ex->refused ? "was not refused" : "was refused");
		CHECK_INT(got, ex->refused);
		refused += ex->refused;
		passed += !ex->refused;
	}
	CHECK(refused > 0 && passed > 0); /* every rule shows what it refuses and what it lets pass */
}

#define RULE_TEST(k)                                                   \
	static void rule_test_##k(void)                                \
	{                                                              \
		run_rule(k);                                           \
	}
RULE_TEST(0)
RULE_TEST(1)
RULE_TEST(2)
RULE_TEST(3)
RULE_TEST(4)
RULE_TEST(5)
RULE_TEST(6)
RULE_TEST(7)
RULE_TEST(8)
RULE_TEST(9)
RULE_TEST(10)
RULE_TEST(11)
RULE_TEST(12)
RULE_TEST(13)
RULE_TEST(14)
RULE_TEST(15)
static const check_fn rule_tests[] = {rule_test_0,  rule_test_1,  rule_test_2,  rule_test_3, rule_test_4,  rule_test_5,
				      rule_test_6,  rule_test_7,  rule_test_8,  rule_test_9, rule_test_10, rule_test_11,
				      rule_test_12, rule_test_13, rule_test_14, rule_test_15};

__attribute__((constructor)) static void register_rules(void)
{
	static char names[sizeof(rule_tests) / sizeof(rule_tests[0])][80];
	for (size_t k = 0; rules[k] && k < sizeof(rule_tests) / sizeof(rule_tests[0]); k++) {
		snprintf(names[k], sizeof(names[k]), "rules: %s", rules[k]->id);
		check_register(names[k], rule_tests[k]);
	}
}

TEST(rules_table_fits_the_tests_and_ids_are_unique)
{
	size_t n = 0;
	while (rules[n])
		n++;
	CHECK(n <= sizeof(rule_tests) / sizeof(rule_tests[0])); /* else add RULE_TEST lines */
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			CHECK(strcmp(rules[i]->id, rules[k]->id) != 0);
}

TEST(rules_check_stops_at_the_first_statement_then_the_first_rule)
{
	const char *sql = "SELECT 1;\nCOPY t TO STDOUT;\n\\echo x\n";
	struct sql_script script;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &script, &err), 0);
	struct rule_unit u = {"m.sql", "migration", sql, strlen(sql), &script, RULE_ONE_TRANSACTION, 77, 0};
	CHECK_INT(rules_check(&u, &err), -1);
	CHECK_STR(err.message, "COPY TO STDOUT in \"m.sql\" is not supported");
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 1);
	pgb_error_free(&err);
	/* the statements pass: the file rules are asked next */
	sql_script_free(&script);
	sql = "SELECT 1;";
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &script, &err), 0);
	u.text = sql, u.len = strlen(sql);
	CHECK_INT(rules_check(&u, &err), -1);
	CHECK_CONTAINS(err.message, "cannot run in one transaction");
	pgb_error_free(&err);
	sql_script_free(&script);
}

TEST(rules_locus_of_a_word_inside_the_statement)
{
	const char *sql = "SELECT 1,\n  pg_advisory_unlock_all();";
	struct sql_script script;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &script, &err), 0);
	struct rule_unit u = {"m.sql", "migration", sql, strlen(sql), &script, RULE_ATOMIC, 77, 0};
	CHECK_INT(rules_check(&u, &err), -1);
	CHECK_STR(err.message, "pg_advisory_unlock_all() in \"m.sql\" is not supported");
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 3);
	pgb_error_free(&err);
	sql_script_free(&script);
}

/* rules_check on sql: 0, or -1 with the message and the line in *line. */
static int restrict_check(const char *sql, char *msg, size_t msg_size, int *line)
{
	struct sql_script script;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &script, &err), 0);
	struct rule_unit u = {"m.sql", "migration", sql, strlen(sql), &script, RULE_ATOMIC, 77, 0};
	int rc = rules_check(&u, &err);
	snprintf(msg, msg_size, "%s", rc ? err.message : "");
	*line = rc ? err.line : 0;
	if (rc) {
		CHECK_INT(err.code, PGB_EXIT_CONFIG);
		CHECK_STR(err.file, "m.sql");
		CHECK(err.hint != NULL);
	}
	pgb_error_free(&err);
	sql_script_free(&script);
	return rc;
}

TEST(rules_meta_command_lets_pg_dumps_restrict_pair_through)
{
	/* the shape pg_dump 15.18 writes (key shortened), SQL after \unrestrict too */
	const char *dump = "--\n-- PostgreSQL database dump\n--\n\n\\restrict Xy12abZ\n\n-- Dumped by pg_dump\n\n"
			   "SET statement_timeout = 0;\nCREATE TABLE public.t (id integer);\n\n"
			   "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict Xy12abZ\n\nSELECT 1;\n";
	char msg[256];
	int line;
	CHECK_INT(restrict_check(dump, msg, sizeof(msg), &line), 0);
	CHECK_INT(restrict_check("\\restrict k\r\nSELECT 1;\r\n\\unrestrict k", msg, sizeof(msg), &line), 0);
}

TEST(rules_meta_command_refuses_every_other_restrict_at_its_line)
{
	static const struct {
		const char *sql;
		const char *what;
		int line;
	} cases[] = {
		{"SELECT 1;\n\\restrict\nSELECT 2;\n\\unrestrict\n", "\"\\restrict\" without one key of letters and digits",
		 2},
		{"\\restrict a_b\nSELECT 1;\n\\unrestrict a_b\n", "\"\\restrict\" without one key of letters and digits", 1},
		{"\\restrict k x\nSELECT 1;\n\\unrestrict k\n", "\"\\restrict\" without one key of letters and digits", 1},
		{"\\restrict k\nSELECT 1;\n\\unrestrict 'k'\n", "\"\\unrestrict\" without one key of letters and digits", 3},
		{"\\restrict k\nSELECT 1;\n", "\"\\restrict\" without \"\\unrestrict\"", 1},
		{"SELECT 1;\n\n\\unrestrict k\n", "\"\\unrestrict\" without \"\\restrict\" before it", 3},
		{"\\restrict k\nSELECT 1;\nSELECT 2;\n\\unrestrict k2\n", "\"\\unrestrict\" with a key other than \"\\restrict\"'s",
		 4},
		{"\\restrict k\nSELECT 1;\n\\restrict k\n\\unrestrict k\n", "a second \"\\restrict\"", 3},
		{"\\restrict k\n\\unrestrict k\nSELECT 1;\n\\unrestrict k\n", "a second \"\\unrestrict\"", 4},
		{"\\restrict k\n\\unrestrict k\n\\restrict k\n\\unrestrict k\n", "a second \"\\restrict\"", 3},
		{"\\set x 1\n\\restrict k\n\\unrestrict k\n", "a psql meta-command", 1},
		{"\\restrict k\nSELECT 1;\n\\i x.sql\n\\unrestrict k\n", "a psql meta-command", 3},
		{"SELECT\n\\restrict k\n1;\n\\unrestrict k\n", "\"\\restrict\" not on a line of its own between statements", 2},
		{"\\restrict k\nSELECT 1; \\unrestrict k\n", "\"\\unrestrict\" not on a line of its own between statements", 2},
		/* psql's commands are case-sensitive: this is no \unrestrict, so the \restrict has none */
		{"\\restrict k\nSELECT 1;\n\\UNRESTRICT k\n", "\"\\restrict\" without \"\\unrestrict\"", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[256], want[256];
		int line;
		snprintf(want, sizeof(want), "%s in \"m.sql\" is not supported", cases[i].what);
		if (restrict_check(cases[i].sql, msg, sizeof(msg), &line) != -1 || strcmp(msg, want) != 0 ||
		    line != cases[i].line)
			fprintf(stderr, "case %zu: \"%s\": got \"%s\" at line %d\n", i, cases[i].sql, msg, line);
		CHECK_STR(msg, want);
		CHECK_INT(line, cases[i].line);
	}
}
