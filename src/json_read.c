/* json_read.c: a small strict JSON reader (see json_read.h). */
#include "json_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"
#include "xmem.h"

struct reader {
	const char *s;
	size_t len, i;
	int line;
	int max_depth;
	struct pgb_error *err;
};

static int fail(struct reader *r, const char *what)
{
	pgb_fail(r->err, PGB_EXIT_CONFIG, "invalid JSON on line %d: %s", r->line, what);
	r->err->line = r->line;
	return -1;
}

static void skip_ws(struct reader *r)
{
	while (r->i < r->len) {
		char c = r->s[r->i];
		if (c == '\n')
			r->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		r->i++;
	}
}

static int hex4(struct reader *r, uint32_t *out)
{
	if (r->len - r->i < 4)
		return fail(r, "a \\u escape needs four hex digits");
	uint32_t v = 0;
	for (int k = 0; k < 4; k++) {
		char c = r->s[r->i++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(r, "a \\u escape needs four hex digits");
	}
	*out = v;
	return 0;
}

static void add_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

/* "\uXXXX", a surrogate pair joined; a lone surrogate or U+0000 is refused (no C string holds them) */
static int unicode_escape(struct reader *r, struct strbuf *sb)
{
	uint32_t cp, lo;
	if (hex4(r, &cp))
		return -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(r, "a lone low surrogate in a \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (r->len - r->i < 2 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u')
			return fail(r, "a high surrogate \\u escape without its low surrogate");
		r->i += 2;
		if (hex4(r, &lo))
			return -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(r, "a high surrogate \\u escape without its low surrogate");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0)
		return fail(r, "\\u0000 in a string");
	add_utf8(sb, cp);
	return 0;
}

static int escape(struct reader *r, struct strbuf *sb)
{
	if (r->i >= r->len)
		return fail(r, "unterminated string");
	char c = r->s[r->i++];
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p = c ? strchr(from, c) : NULL;
	if (p) {
		strbuf_add(sb, &to[p - from], 1);
		return 0;
	}
	if (c == 'u')
		return unicode_escape(r, sb);
	return fail(r, "an invalid escape in a string");
}

static int string(struct reader *r, char **out)
{
	struct strbuf sb;
	strbuf_init(&sb);
	r->i++; /* the opening quote */
	for (;;) {
		if (r->i >= r->len) {
			strbuf_free(&sb);
			return fail(r, "unterminated string");
		}
		unsigned char c = (unsigned char)r->s[r->i];
		if (c == '"') {
			r->i++;
			*out = strbuf_detach(&sb);
			return 0;
		}
		if (c < 0x20) {
			strbuf_free(&sb);
			return fail(r, "a control character in a string (write it as an escape)");
		}
		if (c == '\\') {
			r->i++;
			if (escape(r, &sb)) {
				strbuf_free(&sb);
				return -1;
			}
			continue;
		}
		size_t n = utf8_decode((const unsigned char *)r->s + r->i, r->len - r->i, NULL);
		if (n == 0) {
			strbuf_free(&sb);
			return fail(r, "invalid UTF-8 in a string");
		}
		strbuf_add(&sb, r->s + r->i, n);
		r->i += n;
	}
}

static int is_digit(struct reader *r)
{
	return r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9';
}

static int number(struct reader *r, char **out)
{
	size_t from = r->i;
	if (r->s[r->i] == '-')
		r->i++;
	if (!is_digit(r))
		return fail(r, "a number needs a digit");
	if (r->s[r->i] == '0')
		r->i++;
	else
		while (is_digit(r))
			r->i++;
	if (r->i < r->len && r->s[r->i] == '.') {
		r->i++;
		if (!is_digit(r))
			return fail(r, "a digit must follow the decimal point");
		while (is_digit(r))
			r->i++;
	}
	if (r->i < r->len && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
		r->i++;
		if (r->i < r->len && (r->s[r->i] == '+' || r->s[r->i] == '-'))
			r->i++;
		if (!is_digit(r))
			return fail(r, "a digit must follow the exponent");
		while (is_digit(r))
			r->i++;
	}
	*out = xstrndup(r->s + from, r->i - from);
	return 0;
}

static int value(struct reader *r, struct json_value *v, int depth);

static int literal(struct reader *r, const char *w, struct json_value *v, enum json_type t)
{
	size_t n = strlen(w);
	if (r->len - r->i < n || memcmp(r->s + r->i, w, n) != 0)
		return fail(r, "unexpected text (a value must be a string, number, object, array, true, false or null)");
	r->i += n;
	v->type = t;
	return 0;
}

static void push(struct json_value *v, size_t *cap)
{
	if (v->n == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		v->items = xrealloc(v->items, *cap * sizeof(*v->items));
		if (v->type == JSON_OBJECT)
			v->keys = xrealloc(v->keys, *cap * sizeof(*v->keys));
	}
	memset(&v->items[v->n], 0, sizeof(*v->items));
	if (v->type == JSON_OBJECT)
		v->keys[v->n] = NULL;
}

static int object_key(struct reader *r, struct json_value *v)
{
	skip_ws(r);
	if (r->i >= r->len || r->s[r->i] != '"')
		return fail(r, "an object key must be a string");
	char *key;
	if (string(r, &key))
		return -1;
	for (size_t k = 0; k < v->n; k++) {
		if (strcmp(v->keys[k], key) == 0) {
			free(key);
			return fail(r, "a key appears twice in one object");
		}
	}
	v->keys[v->n] = key;
	skip_ws(r);
	if (r->i >= r->len || r->s[r->i] != ':')
		return fail(r, "a ':' must follow an object key");
	r->i++;
	return 0;
}

/* an array or object: its items, separated by ',' (none after the last) */
static int container(struct reader *r, struct json_value *v, int depth)
{
	char close = r->s[r->i] == '[' ? ']' : '}';
	v->type = close == ']' ? JSON_ARRAY : JSON_OBJECT;
	if (depth >= r->max_depth)
		return fail(r, "nested too deep");
	r->i++;
	size_t cap = 0;
	skip_ws(r);
	if (r->i < r->len && r->s[r->i] == close) {
		r->i++;
		return 0;
	}
	for (;;) {
		push(v, &cap);
		if (v->type == JSON_OBJECT && object_key(r, v)) {
			v->n++; /* its key, if read, is freed with the value */
			return -1;
		}
		int rc = value(r, &v->items[v->n], depth + 1);
		v->n++;
		if (rc)
			return -1;
		skip_ws(r);
		if (r->i < r->len && r->s[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->len && r->s[r->i] == close) {
			r->i++;
			return 0;
		}
		return fail(r, close == ']' ? "expected ',' or ']' in an array" : "expected ',' or '}' in an object");
	}
}

static int value(struct reader *r, struct json_value *v, int depth)
{
	skip_ws(r);
	v->line = r->line;
	if (r->i >= r->len)
		return fail(r, "unexpected end of the text");
	switch (r->s[r->i]) {
	case '{':
	case '[':
		return container(r, v, depth);
	case '"':
		v->type = JSON_STRING;
		return string(r, &v->text);
	case 't':
		return literal(r, "true", v, JSON_TRUE);
	case 'f':
		return literal(r, "false", v, JSON_FALSE);
	case 'n':
		return literal(r, "null", v, JSON_NULL);
	default:
		if (r->s[r->i] == '-' || (r->s[r->i] >= '0' && r->s[r->i] <= '9')) {
			v->type = JSON_NUMBER;
			return number(r, &v->text);
		}
		return fail(r, "unexpected text (a value must be a string, number, object, array, true, false or null)");
	}
}

static void free_inner(struct json_value *v)
{
	for (size_t k = 0; k < v->n; k++) {
		free_inner(&v->items[k]);
		if (v->keys)
			free(v->keys[k]);
	}
	free(v->items);
	free(v->keys);
	free(v->text);
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	free_inner(v);
	free(v);
}

int json_parse(const char *text, size_t len, struct json_value **out, struct pgb_error *err)
{
	return json_parse_depth(text, len, JSON_MAX_DEPTH, out, err);
}

int json_parse_depth(const char *text, size_t len, int max_depth, struct json_value **out, struct pgb_error *err)
{
	struct reader r = {.s = text, .len = len, .line = 1, .max_depth = max_depth, .err = err};
	struct json_value *v = xcalloc(1, sizeof(*v));
	*out = NULL;
	if (value(&r, v, 0) == 0) {
		skip_ws(&r);
		if (r.i == r.len) {
			*out = v;
			return 0;
		}
		fail(&r, "text after the value");
	}
	json_free(v);
	return -1;
}

const struct json_value *json_member(const struct json_value *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (size_t k = 0; k < v->n; k++)
		if (strcmp(v->keys[k], key) == 0)
			return &v->items[k];
	return NULL;
}

int json_int(const struct json_value *v, long long *out)
{
	if (!v || v->type != JSON_NUMBER || strpbrk(v->text, ".eE"))
		return -1;
	const char *d = v->text + (v->text[0] == '-');
	if (strlen(d) > 16)
		return -1;
	long long x = strtoll(v->text, NULL, 10);
	if (x > 9007199254740991LL || x < -9007199254740991LL)
		return -1;
	*out = x;
	return 0;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {"null", "false", "true", "a number", "a string", "an array", "an object"};
	return names[t];
}
