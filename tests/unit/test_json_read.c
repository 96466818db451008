/* test_json_read.c: the strict JSON reader (json_read.h) on a drizzle journal and on what JSON.parse refuses. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json_read.h"

static struct json_value *parse_ok(const char *text)
{
	struct json_value *v = NULL;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(json_parse(text, strlen(text), &v, &err), 0);
	if (err.message)
		fprintf(stderr, "%s\n", err.message);
	pgb_error_free(&err);
	return v;
}

/* refused, on this line, with this in the message */
static void parse_bad(const char *text, int line, const char *needle)
{
	struct json_value *v = (struct json_value *)1;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(json_parse(text, strlen(text), &v, &err), -1);
	CHECK(v == NULL);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_INT(err.line, line);
	CHECK_CONTAINS(err.message, needle);
	pgb_error_free(&err);
}

TEST(json_read_reads_a_drizzle_journal_with_lines)
{
	const char *j = "{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n"
			"    {\n      \"idx\": 0,\n      \"when\": 1700000000000,\n      \"tag\": \"0000_wild_captain\",\n"
			"      \"breakpoints\": true\n    }\n  ]\n}\n";
	struct json_value *v = parse_ok(j);
	CHECK(v && v->type == JSON_OBJECT && v->n == 3);
	const struct json_value *e = json_member(v, "entries");
	CHECK(e && e->type == JSON_ARRAY && e->n == 1 && e->line == 4);
	const struct json_value *first = &e->items[0];
	CHECK_INT(first->line, 5);
	long long when = 0, idx = -1;
	CHECK_INT(json_int(json_member(first, "when"), &when), 0);
	CHECK_INT(when, 1700000000000LL);
	CHECK_INT(json_int(json_member(first, "idx"), &idx), 0);
	CHECK_INT(idx, 0);
	CHECK_STR(json_member(first, "tag")->text, "0000_wild_captain");
	CHECK_INT(json_member(first, "tag")->line, 8);
	CHECK_INT(json_member(first, "breakpoints")->type, JSON_TRUE);
	CHECK(json_member(first, "nothing") == NULL);
	CHECK(json_member(e, "idx") == NULL); /* an array has no members */
	json_free(v);
}

TEST(json_read_decodes_strings_and_numbers)
{
	struct json_value *v = parse_ok("[\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", -0.5e+3, 0, null, false, {}]");
	CHECK(v && v->n == 6);
	CHECK_STR(v->items[0].text, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_STR(v->items[1].text, "-0.5e+3");
	long long x;
	CHECK_INT(json_int(&v->items[1], &x), -1); /* not a whole number */
	CHECK_INT(json_int(&v->items[2], &x), 0);
	CHECK_INT(v->items[3].type, JSON_NULL);
	CHECK_INT(v->items[4].type, JSON_FALSE);
	CHECK(v->items[5].type == JSON_OBJECT && v->items[5].n == 0);
	json_free(v);
	v = parse_ok("[9007199254740991, 9007199254740992, 1e3]");
	CHECK_INT(json_int(&v->items[0], &x), 0);
	CHECK_INT(json_int(&v->items[1], &x), -1); /* beyond what a JavaScript number holds exactly */
	CHECK_INT(json_int(&v->items[2], &x), -1);
	json_free(v);
}

TEST(json_read_refuses_what_json_parse_refuses)
{
	parse_bad("{\n  \"a\": 1,\n}\n", 3, "an object key must be a string");
	parse_bad("[1,\n 2,\n]", 3, "unexpected text");
	parse_bad("{\"a\": 1} x", 1, "text after the value");
	parse_bad("\xef\xbb\xbf{}", 1, "unexpected text");
	parse_bad("// c\n{}", 1, "unexpected text");
	parse_bad("[01]", 1, "expected ','");
	parse_bad("[1.]", 1, "decimal point");
	parse_bad("[\"a\nb\"]", 1, "control character");
	parse_bad("[\"\\x\"]", 1, "invalid escape");
	parse_bad("[\"\\ud83d\"]", 1, "surrogate");
	parse_bad("[\"\\u0000\"]", 1, "\\u0000");
	parse_bad("[\"\xff\"]", 1, "UTF-8");
	parse_bad("{\"a\"\n 1}", 2, "':'");
	parse_bad("[\n\n\"open", 3, "unterminated string");
	parse_bad("", 1, "unexpected end");
	parse_bad("[tru]", 1, "unexpected text");
}

TEST(json_read_refuses_duplicate_keys_and_deep_nesting)
{
	parse_bad("{\"tag\": \"a\",\n \"tag\": \"b\"}", 2, "a key appears twice");
	char deep[2 * JSON_MAX_DEPTH + 8];
	size_t k = 0;
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		deep[k++] = '[';
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		deep[k++] = ']';
	deep[k] = '\0';
	parse_bad(deep, 1, "nested too deep");
	deep[0] = ' ';
	deep[k - 1] = '\0';
	struct json_value *v = parse_ok(deep); /* JSON_MAX_DEPTH levels are fine */
	json_free(v);
}
