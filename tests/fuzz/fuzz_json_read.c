// fuzz-sources: src/json_read.c src/json.c src/utf8.c src/error.c src/xmem.c src/strbuf.c
/*
 * fuzz_json_read.c: libFuzzer target for the JSON reader (json_read.c). Any
 * input either parses or is refused as a configuration error with a line
 * within the text; what parses, written back with json.c's writer, parses
 * again to the same tree (a round trip), and every line is within the text.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_read.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                              \
	do {                                                                                    \
		if (!(c)) {                                                                     \
			fprintf(stderr, "fuzz_json_read: invariant failed: %s (line %d)\n", #c, __LINE__); \
			abort();                                                                \
		}                                                                               \
	} while (0)

static void write_value(struct strbuf *sb, const struct json_value *v)
{
	static const char *const lit[] = {"null", "false", "true"};
	switch (v->type) {
	case JSON_NULL:
	case JSON_FALSE:
	case JSON_TRUE:
		strbuf_addf(sb, "%s", lit[v->type]);
		break;
	case JSON_NUMBER:
		strbuf_addf(sb, "%s", v->text);
		break;
	case JSON_STRING:
		json_add_string(sb, v->text);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		strbuf_addf(sb, "%c", v->type == JSON_ARRAY ? '[' : '{');
		for (size_t k = 0; k < v->n; k++) {
			if (k)
				strbuf_addf(sb, ",");
			if (v->type == JSON_OBJECT) {
				json_add_string(sb, v->keys[k]);
				strbuf_addf(sb, ":");
			}
			write_value(sb, &v->items[k]);
		}
		strbuf_addf(sb, "%c", v->type == JSON_ARRAY ? ']' : '}');
		break;
	}
}

static int same(const struct json_value *a, const struct json_value *b)
{
	if (a->type != b->type || a->n != b->n)
		return 0;
	if ((a->text || b->text) && (!a->text || !b->text || strcmp(a->text, b->text) != 0))
		return 0;
	for (size_t k = 0; k < a->n; k++) {
		if (a->type == JSON_OBJECT && strcmp(a->keys[k], b->keys[k]) != 0)
			return 0;
		if (!same(&a->items[k], &b->items[k]))
			return 0;
	}
	return 1;
}

static void lines_within(const struct json_value *v, int max)
{
	REQUIRE(v->line >= 1 && v->line <= max);
	for (size_t k = 0; k < v->n; k++)
		lines_within(&v->items[k], max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += s[i] == '\n';
	struct json_value *v = NULL;
	struct pgb_error err;
	pgb_error_init(&err);
	if (json_parse(s, size, &v, &err) != 0) {
		REQUIRE(v == NULL && err.code == PGB_EXIT_CONFIG && err.message);
		REQUIRE(err.line >= 1 && err.line <= lines);
		pgb_error_free(&err);
		return 0;
	}
	lines_within(v, lines);
	struct strbuf sb;
	strbuf_init(&sb);
	write_value(&sb, v);
	struct json_value *again = NULL;
	REQUIRE(json_parse(sb.buf, sb.len, &again, &err) == 0);
	REQUIRE(same(v, again));
	json_free(again);
	json_free(v);
	strbuf_free(&sb);
	pgb_error_free(&err);
	return 0;
}
