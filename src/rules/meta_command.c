/*
 * meta_command.c: psql's backslash commands mean nothing to the server. One
 * pair is let through, to be skipped: the "\restrict KEY" and "\unrestrict
 * KEY" lines pg_dump writes around a plain dump (since 17.6, 16.10, 15.14,
 * 14.19 and 13.22: CVE-2025-8714), so a schema dump can be a migration.
 * Exactly the pair and nothing looser: \restrict before any other
 * meta-command, one \unrestrict after it with the same key (letters and
 * digits, as psql's valid_restrict_key() wants), each on a line of its own
 * between statements. Every other meta-command, and either line in any
 * other shape or place, is refused at its line.
 */
#include <string.h>

#include "rules.h"

enum meta { META_OTHER, META_RESTRICT, META_UNRESTRICT };

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The command st is: \restrict, \unrestrict (its name, then a blank or the line's end), or another. */
static enum meta meta_of(const struct rule_unit *u, const struct sql_stmt *st)
{
	const char *s = u->text + st->start + 1;
	size_t n = st->end - st->start - 1;
	static const struct {
		const char *name;
		enum meta m;
	} names[] = {{"restrict", META_RESTRICT}, {"unrestrict", META_UNRESTRICT}};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t w = strlen(names[k].name);
		if (n >= w && memcmp(s, names[k].name, w) == 0 && (n == w || is_blank(s[w])))
			return names[k].m;
	}
	return META_OTHER;
}

/*
 * The key of a \restrict or \unrestrict line: its one argument, of letters
 * and digits, between blanks. Its length, 0 when the line has no such key.
 */
static size_t key_of(const struct rule_unit *u, const struct sql_stmt *st, const char **key)
{
	const char *s = u->text + st->start, *e = u->text + st->end;
	while (s < e && !is_blank(*s)) /* the command's name */
		s++;
	while (s < e && is_blank(*s))
		s++;
	*key = s;
	while (s < e && is_key_char(*s))
		s++;
	size_t n = (size_t)(s - *key);
	while (s < e && is_blank(*s))
		s++;
	return s == e ? n : 0;
}

/* 1 when st stands on a line of its own, between statements (not inside one). */
static int own_line(const struct rule_unit *u, const struct sql_stmt *st)
{
	const struct sql_stmt *first = u->script->stmts;
	if (st->column != 1)
		return 0;
	return st == first || st[-1].kind != SQL_STMT_SQL || st[-1].terminated;
}

/* The first meta-command of the file, or NULL. */
static const struct sql_stmt *first_meta(const struct rule_unit *u)
{
	for (size_t i = 0; i < u->script->n; i++)
		if (u->script->stmts[i].kind == SQL_STMT_META)
			return &u->script->stmts[i];
	return NULL;
}

/* The next meta-command after st, or NULL. */
static const struct sql_stmt *next_meta(const struct rule_unit *u, const struct sql_stmt *st)
{
	const struct sql_stmt *end = u->script->stmts + u->script->n;
	for (st++; st < end; st++)
		if (st->kind == SQL_STMT_META)
			return st;
	return NULL;
}

/* \restrict: the file's first meta-command, with an \unrestrict after it; NULL when fine, else the words. */
static const char *restrict_fault(const struct rule_unit *u, const struct sql_stmt *st)
{
	const struct sql_stmt *before = first_meta(u);
	if (before != st)
		return meta_of(u, before) == META_RESTRICT ? "a second \"\\restrict\""
							    : "\"\\restrict\" after another psql meta-command";
	for (const struct sql_stmt *m = next_meta(u, st); m; m = next_meta(u, m))
		if (meta_of(u, m) == META_UNRESTRICT)
			return NULL;
	return "\"\\restrict\" without \"\\unrestrict\"";
}

/* \unrestrict: the first after the file's \restrict, with its key; NULL when fine, else the words. */
static const char *unrestrict_fault(const struct rule_unit *u, const struct sql_stmt *st)
{
	const struct sql_stmt *r = first_meta(u);
	if (r == st || meta_of(u, r) != META_RESTRICT)
		return "\"\\unrestrict\" without \"\\restrict\" before it";
	for (const struct sql_stmt *m = next_meta(u, r); m != st; m = next_meta(u, m))
		if (meta_of(u, m) == META_UNRESTRICT)
			return "a second \"\\unrestrict\"";
	const char *key, *rkey;
	size_t n = key_of(u, st, &key), rn = key_of(u, r, &rkey);
	return n == rn && memcmp(key, rkey, n) == 0 ? NULL : "\"\\unrestrict\" with a key other than \"\\restrict\"'s";
}

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	if (st->kind != SQL_STMT_META)
		return 0;
	enum meta m = meta_of(u, st);
	if (m == META_OTHER)
		return 1;
	const char *key;
	hit->hint = "pgboot skips only the pair pg_dump writes: a line \"\\restrict KEY\" before any other psql "
		    "meta-command and one line \"\\unrestrict KEY\" after it, with the same key of letters and digits.";
	if (!key_of(u, st, &key))
		hit->what = m == META_RESTRICT ? "\"\\restrict\" without one key of letters and digits"
					       : "\"\\unrestrict\" without one key of letters and digits";
	else if (!own_line(u, st))
		hit->what = m == META_RESTRICT ? "\"\\restrict\" not on a line of its own between statements"
					       : "\"\\unrestrict\" not on a line of its own between statements";
	else
		hit->what = m == META_RESTRICT ? restrict_fault(u, st) : unrestrict_fault(u, st);
	return hit->what != NULL;
}

#define KEY "A1zQ9"

static const struct rule_example examples[] = {
	{"\\set x 1\nSELECT :x;", 1, 0, 0},
	{"SELECT 1;\n\\i other.sql\n", 1, 0, 0},
	{"SELECT '\\i other.sql';", 0, 0, 0},
	/* pg_dump's pair, with CRLF line ends too, and SQL after it */
	{"--\n\\restrict " KEY "\n\nSET x = 1;\n\\unrestrict " KEY "\n\nSELECT 2;\n", 0, 0, 0},
	{"\\restrict " KEY "\r\nSELECT 1;\r\n\\unrestrict " KEY "\r\n", 0, 0, 0},
	{"\\restrict " KEY "\n\\unrestrict " KEY, 0, 0, 0},
	/* the pair in any other shape or place */
	{"\\restrict\nSELECT 1;\n\\unrestrict\n", 1, 0, 0},
	{"\\restrict a-b\nSELECT 1;\n\\unrestrict a-b\n", 1, 0, 0},
	{"\\restrict 'k'\nSELECT 1;\n\\unrestrict 'k'\n", 1, 0, 0},
	{"\\restrict k extra\nSELECT 1;\n\\unrestrict k\n", 1, 0, 0},
	{"\\restrict k\nSELECT 1;\n", 1, 0, 0},
	{"SELECT 1;\n\\unrestrict k\n", 1, 0, 0},
	{"\\restrict k\nSELECT 1;\n\\unrestrict K\n", 1, 0, 0},
	{"\\restrict k\n\\restrict k\n\\unrestrict k\n", 1, 0, 0},
	{"\\restrict k\n\\unrestrict k\n\\unrestrict k\n", 1, 0, 0},
	{"\\restrict k\n\\unrestrict k\n\\restrict k\n\\unrestrict k\n", 1, 0, 0},
	{"\\restrict k\n\\set x 1\n\\unrestrict k\n", 1, 0, 0},
	{"SELECT\n\\restrict k\n1;\n\\unrestrict k\n", 1, 0, 0},
	{"SELECT 1; \\restrict k\n\\unrestrict k\n", 1, 0, 0},
	{"\\restrictk\n\\unrestrict k\n", 1, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_meta_command = {
	.id = "meta-command",
	.statement = check,
	.what = "a psql meta-command",
	.hint = "pgboot sends SQL to the server and has no psql meta-commands; inline the file or set the value in SQL.",
	.examples = examples,
};
