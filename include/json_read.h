/*
 * json_read.h: a small strict JSON reader (RFC 8259, as JavaScript's
 * JSON.parse accepts it: no byte-order mark, no comments, no trailing
 * commas), for the JSON files of other tools' layouts (drizzle's
 * meta/_journal.json). Pure: reads a buffer, allocates the tree it returns.
 * Each value keeps the line it starts on, so a layout can name the line at
 * fault. Duplicate keys in an object are refused (JSON.parse would keep the
 * last one without a word). Numbers keep their text; json_int reads an
 * integer from it exactly.
 */
#ifndef PGB_JSON_READ_H
#define PGB_JSON_READ_H

#include <stddef.h>

#include "error.h"

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	int line;                 /* 1-based line of its first byte */
	char *text;               /* JSON_STRING: the decoded UTF-8 (may hold no NUL: "\u0000" is refused);
				     JSON_NUMBER: the number as written */
	size_t n;                 /* JSON_ARRAY, JSON_OBJECT: the number of items */
	struct json_value *items; /* their values, in order */
	char **keys;              /* JSON_OBJECT: the key of each item */
};

/* The deepest nesting read: a journal is three deep. */
#define JSON_MAX_DEPTH 64

/*
 * Parse text[0..len) (one value, whitespace around it). Returns 0 with *out
 * (free with json_free), or -1 with err (PGB_EXIT_CONFIG) saying what is
 * wrong and err->line set to the line; the caller names the file.
 */
int json_parse(const char *text, size_t len, struct json_value **out, struct pgb_error *err);
/* The same, nesting at most max_depth deep (pg_query's parse trees nest deeper than a journal). */
int json_parse_depth(const char *text, size_t len, int max_depth, struct json_value **out, struct pgb_error *err);
void json_free(struct json_value *v);

/* The member key of an object, or NULL (also when v is no object). */
const struct json_value *json_member(const struct json_value *v, const char *key);
/* A JSON_NUMBER that is an integer in [-(2^53-1), 2^53-1] (no fraction, no exponent): 0 with *out, or -1. */
int json_int(const struct json_value *v, long long *out);
/* "a string", "a number" ... for messages */
const char *json_type_name(enum json_type t);

#endif
