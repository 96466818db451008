/*
 * sqlsplit.c: find top-level statements the way psql does (see sqlsplit.h).
 *
 * This is a hand-written copy of the flex scanner in PostgreSQL 15's
 * src/fe_utils/psqlscan.l, state by state, plus the parts of psql's
 * MainLoop that decide what is sent: a ';' outside parentheses and outside
 * a CREATE FUNCTION|PROCEDURE ... BEGIN ATOMIC body ends a statement, a
 * backslash at top level starts a meta-command, text at the end of the
 * input is sent as a last statement. Each flex state is a function below;
 * comments name the flex rule they stand for.
 *
 * One psql detail shapes the string rules: psql feeds its scanner one input
 * line at a time, without the '\n'. The scanner's "quote continuation"
 * (a string, whitespace holding a newline, another string) therefore never
 * crosses a '\n' in psql, only a lone '\r'; this module does the same.
 *
 * Nothing here allocates except the result array, nothing recurses, and
 * every byte is looked at a bounded number of times, so the time is linear
 * and nesting depth costs nothing but a counter.
 */
#include "sqlsplit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"
#include "xmem.h"

/* ---- characters ---------------------------------------------------------- */

/* Length in bytes of the character at p[0..n), n > 0: a valid UTF-8
 * sequence (utf8.h), else 1 (*cp U+FFFD). */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t k = utf8_decode(p, n, cp);
	return k ? k : 1;
}

/* A position in the text: byte offset, 1-based line and character column. */
struct cursor {
	size_t off;
	int line;
	int column;
};

static void cursor_init(struct cursor *c, const char *buf, size_t len)
{
	c->off = utf8_bom(buf, len);
	c->line = 1;
	c->column = 1;
}

/* Move forward to byte offset target (never backward). */
static void cursor_seek(struct cursor *c, const char *buf, size_t len, size_t target)
{
	const unsigned char *u = (const unsigned char *)buf;
	while (c->off < target) {
		if (u[c->off] == '\n') {
			c->off++;
			c->line++;
			c->column = 1;
			continue;
		}
		size_t n = utf8_len(u + c->off, len - c->off, NULL);
		c->off = c->off + n > target ? target : c->off + n;
		c->column++;
	}
}

size_t sql_char_count(const char *buf, size_t len)
{
	size_t bom = utf8_bom(buf, len);
	return utf8_count(buf + bom, len - bom);
}

int sql_offset_locus(const char *buf, size_t len, size_t off, int *line, int *column)
{
	if (off > len)
		return -1;
	struct cursor c;
	cursor_init(&c, buf, len);
	if (off > c.off)
		cursor_seek(&c, buf, len, off);
	if (line)
		*line = c.line;
	if (column)
		*column = c.column;
	return 0;
}

int sql_locate(const char *buf, size_t len, long char_pos, int *line, int *column, size_t *line_start,
	       size_t *line_end)
{
	const unsigned char *u = (const unsigned char *)buf;
	if (char_pos < 1)
		return -1;
	size_t i = utf8_bom(buf, len), ls = i;
	int ln = 1, col = 1;
	long pos = 1;
	while (pos < char_pos) {
		if (i >= len)
			return -1; /* char_pos may be len+1 characters, not more */
		if (u[i] == '\n') {
			ln++;
			col = 1;
			ls = i + 1;
			i++;
		} else {
			col++;
			i += utf8_len(u + i, len - i, NULL);
		}
		pos++;
	}
	size_t le = ls;
	while (le < len && u[le] != '\n')
		le++;
	if (le > ls && u[le - 1] == '\r' && le < len)
		le--;
	if (line)
		*line = ln;
	if (column)
		*column = col;
	if (line_start)
		*line_start = ls;
	if (line_end)
		*line_end = le;
	return 0;
}

/* Display width of code point cp: 0 for combining marks, 2 for wide ones. */
static int cp_width(uint32_t cp)
{
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
	    (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0x200B || cp == 0x200D)
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
	    (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	    (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
	    (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

/* characters of a long line an excerpt shows around its caret */
#define EXCERPT_WINDOW 160

/* The byte offset n characters after p (or end). */
static size_t skip_chars(const unsigned char *u, size_t p, size_t end, int n)
{
	uint32_t cp;
	for (; n > 0 && p < end; n--)
		p += utf8_len(u + p, end - p, &cp);
	return p;
}

char *sql_caret_excerpt(const char *buf, size_t len, int line, int column)
{
	const unsigned char *u = (const unsigned char *)buf;
	if (line < 1 || column < 1)
		return NULL;
	size_t i = utf8_bom(buf, len);
	for (int ln = 1; ln < line; ln++) {
		const char *nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			return NULL;
		i = (size_t)(nl - buf) + 1;
	}
	size_t ls = i, le = i;
	while (le < len && u[le] != '\n')
		le++;
	if (le > ls && u[le - 1] == '\r')
		le--;

	/* a long line (a 1 MB literal) shows a window around the caret, as psql shows one */
	int first = 1;
	const char *lead = "", *trail = "";
	int nchars = (int)sql_char_count(buf + ls, le - ls);
	if (nchars > EXCERPT_WINDOW) {
		first = column - EXCERPT_WINDOW / 2;
		if (first > nchars - EXCERPT_WINDOW + 1)
			first = nchars - EXCERPT_WINDOW + 1;
		if (first < 1)
			first = 1;
		size_t ws = skip_chars(u, ls, le, first - 1);
		size_t we = skip_chars(u, ws, le, EXCERPT_WINDOW);
		lead = first > 1 ? "..." : "";
		trail = we < le ? "..." : "";
		ls = ws;
		le = we;
	}

	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "LINE %d: %s", line, lead);
	size_t prefix = sb.len;
	/* a NUL would cut the excerpt short: show it as '?' (one column, as counted) */
	for (size_t p = ls; p < le; p++)
		strbuf_addc(&sb, buf[p] ? buf[p] : '?');
	strbuf_adds(&sb, trail);
	strbuf_addc(&sb, '\n');
	for (size_t k = 0; k < prefix; k++)
		strbuf_addc(&sb, ' ');
	int col = first;
	for (size_t p = ls; p < le && col < column; col++) {
		uint32_t cp;
		size_t n = utf8_len(u + p, le - p, &cp);
		if (cp == '\t')
			strbuf_addc(&sb, '\t');
		else
			for (int w = cp_width(cp); w > 0; w--)
				strbuf_addc(&sb, ' ');
		p += n;
	}
	/* a column past the end of the line (an error "at end of input") */
	for (; col < column; col++)
		strbuf_addc(&sb, ' ');
	strbuf_addc(&sb, '^');
	char *r = strbuf_detach(&sb);
	strbuf_free(&sb); /* detach leaves a fresh empty buffer behind */
	return r;
}

/* ---- the scanner ---------------------------------------------------------- */

/* psqlscan.l's character classes */
static int is_space(unsigned char c) /* {space} */
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_ident_start(unsigned char c) /* {ident_start}, {dolq_start} */
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_dolq_cont(unsigned char c) /* {dolq_cont}, {variable_char} */
{
	return is_ident_start(c) || is_digit(c);
}

static int is_ident_cont(unsigned char c) /* {ident_cont} */
{
	return is_dolq_cont(c) || c == '$';
}

static int lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive comparison of s[0..n) with the lowercase word w. */
static int word_is(const char *s, size_t n, const char *w)
{
	size_t k = 0;
	for (; k < n && w[k]; k++)
		if (lower((unsigned char)s[k]) != (unsigned char)w[k])
			return 0;
	return k == n && w[k] == '\0';
}

struct lexer {
	const char *buf;
	const unsigned char *u;
	size_t len;
	size_t i;         /* the next byte to scan */
	int std_strings;  /* psqlscan's cur_state->std_strings */
	const struct sqlsplit_opts *opts;
	int one_message;  /* sqlsplit_opts.one_message */
	long paren_depth; /* cur_state->paren_depth */
	long begin_depth; /* cur_state->begin_depth */
	size_t identifier_count;
	char identifiers[4];
	int in_stmt; /* a statement has begun and not ended */
	size_t stmt_start;
	size_t stmt_escape;
	struct cursor cur; /* trails the scan; only ever moves forward */
	struct sql_script *out;
	size_t cap;
};

static void push(struct lexer *lx, size_t start, size_t end, enum sql_stmt_kind kind, int terminated,
		 size_t escape)
{
	struct sql_script *s = lx->out;
	if (s->n == lx->cap) {
		lx->cap = lx->cap ? 2 * lx->cap : 16;
		s->stmts = xrealloc(s->stmts, lx->cap * sizeof(*s->stmts));
	}
	cursor_seek(&lx->cur, lx->buf, lx->len, start);
	struct sql_stmt *st = &s->stmts[s->n++];
	st->start = start;
	st->end = end;
	st->line = lx->cur.line;
	st->column = lx->cur.column;
	st->kind = kind;
	st->txn = SQL_TXN_NONE;
	st->terminated = terminated;
	st->psql_escape = escape;
}

/* A token starts at lx->i: it starts a statement unless one is under way. */
static void token(struct lexer *lx)
{
	if (!lx->in_stmt) {
		lx->in_stmt = 1;
		lx->stmt_start = lx->i;
		lx->stmt_escape = SQL_NO_ESCAPE;
	}
}

static void end_stmt(struct lexer *lx, size_t end, int terminated)
{
	if (lx->in_stmt)
		push(lx, lx->stmt_start, end, SQL_STMT_SQL, terminated, lx->stmt_escape);
	lx->in_stmt = 0;
}

/* psql_scan_reset(): what psql does after it sent the buffer on a meta-command */
static void scan_reset(struct lexer *lx)
{
	lx->paren_depth = 0;
	lx->begin_depth = 0;
	lx->identifier_count = 0;
}

static int fail_at(struct lexer *lx, size_t open, struct pgb_error *err, const char *msg)
{
	cursor_seek(&lx->cur, lx->buf, lx->len, open);
	if (err && !err->code) {
		pgb_fail(err, PGB_EXIT_CONFIG, "%s", msg);
		err->line = lx->cur.line;
		err->column = lx->cur.column;
	}
	return -1;
}

/*
 * The {identifier} rule: psql's heuristic for CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END bodies, copied as is (including
 * its quirks: only the first letters of the first four identifiers are
 * remembered, and CASE counts only inside a BEGIN).
 */
static void identifier(struct lexer *lx, const char *s, size_t n)
{
	if (lx->identifier_count == 0)
		memset(lx->identifiers, 0, sizeof(lx->identifiers));
	if (word_is(s, n, "create") || word_is(s, n, "function") || word_is(s, n, "procedure") ||
	    word_is(s, n, "or") || word_is(s, n, "replace")) {
		if (lx->identifier_count < sizeof(lx->identifiers))
			lx->identifiers[lx->identifier_count] = (char)lower((unsigned char)s[0]);
	}
	lx->identifier_count++;
	const char *id = lx->identifiers;
	if (id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' || (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
	    lx->paren_depth == 0) {
		if (word_is(s, n, "begin"))
			lx->begin_depth++;
		else if (word_is(s, n, "case")) {
			if (lx->begin_depth >= 1)
				lx->begin_depth++;
		} else if (word_is(s, n, "end")) {
			if (lx->begin_depth > 0)
				lx->begin_depth--;
		}
	}
}

enum qstate { XQ, XE, XB, XH, XUS };

/*
 * <xqs>{quotecontinue}: after a closing quote at i-1, does the string go on?
 * Only within one psql input line, i.e. across a '\r' but never a '\n'.
 * Returns the offset just past the continuing quote, or 0.
 */
static size_t quote_continues(const struct lexer *lx, size_t i)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len;
	int newline = 0;
	for (;;) {
		if (i >= n || u[i] == '\n')
			return 0;
		unsigned char c = u[i];
		if (c == '\'')
			return newline ? i + 1 : 0;
		if (c == ' ' || c == '\t' || c == '\f') {
			i++;
		} else if (c == '\r') {
			newline = 1;
			i++;
		} else if (c == '-' && i + 1 < n && u[i + 1] == '-') {
			/* {comment}: after the newline, only as {comment}{newline} */
			while (i < n && u[i] != '\n' && u[i] != '\r')
				i++;
			if (newline && (i >= n || u[i] != '\r'))
				return 0;
		} else {
			return 0;
		}
	}
}

/* <xq>, <xe>, <xb>, <xh>, <xus>: lx->i is just past the opening quote. */
static int scan_string(struct lexer *lx, enum qstate st, size_t open, struct pgb_error *err)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i;
	for (;;) {
		if (i >= n)
			return fail_at(lx, open, err, "unterminated quoted string");
		unsigned char c = u[i];
		if (c == '\\' && st == XE) {
			/* {xeescape} and friends; <xe>. for a '\' just before the end */
			i += i + 1 < n ? 2 : 1;
		} else if (c == '\'') {
			if (st != XB && st != XH && i + 1 < n && u[i + 1] == '\'') {
				i += 2; /* {xqdouble} */
				continue;
			}
			size_t k = quote_continues(lx, i + 1);
			if (k) {
				i = k;
				continue;
			}
			lx->i = i + 1;
			return 0;
		} else {
			const void *q = memchr(u + i, '\'', n - i);
			size_t next = q ? (size_t)((const unsigned char *)q - u) : n;
			if (st == XE) {
				const void *b = memchr(u + i, '\\', next - i);
				if (b)
					next = (size_t)((const unsigned char *)b - u);
			}
			i = next > i ? next : i + 1;
		}
	}
}

/* <xd>, <xui>: lx->i is just past the opening double quote. */
static int scan_quoted_ident(struct lexer *lx, size_t open, struct pgb_error *err)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i;
	for (;;) {
		const void *q = i < n ? memchr(u + i, '"', n - i) : NULL;
		if (!q)
			return fail_at(lx, open, err, "unterminated quoted identifier");
		i = (size_t)((const unsigned char *)q - u);
		if (i + 1 < n && u[i + 1] == '"') {
			i += 2; /* {xddouble} */
			continue;
		}
		lx->i = i + 1;
		return 0;
	}
}

/* <xc>: lx->i is just past the opening slash-star; nesting is a counter. */
static int scan_comment(struct lexer *lx, struct pgb_error *err)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i, open = lx->i - 2;
	size_t depth = 0;
	while (i < n) {
		unsigned char c = u[i];
		if (c == '/' && i + 1 < n && u[i + 1] == '*') {
			depth++; /* {xcstart} */
			i += 2;
		} else if (c == '*') {
			while (i < n && u[i] == '*')
				i++;
			if (i < n && u[i] == '/') { /* {xcstop} */
				i++;
				if (depth == 0) {
					lx->i = i;
					return 0;
				}
				depth--;
			}
		} else {
			i++;
		}
	}
	return fail_at(lx, open, err, "unterminated /* comment");
}

/*
 * {dolqdelim} at i: "$" [ident_start dolq_cont*] "$". Returns its length,
 * or 0 when there is none ({dolqfailed} or a lone "$").
 */
static size_t dolq_delim(const unsigned char *u, size_t n, size_t i)
{
	size_t k = i + 1;
	if (k < n && is_ident_start(u[k])) {
		k++;
		while (k < n && is_dolq_cont(u[k]))
			k++;
	}
	return k < n && u[k] == '$' ? k + 1 - i : 0;
}

/*
 * <xdolq>: lx->i is just past the opening delimiter buf[open..open+tl).
 * Every '$' in the body starts a flex token there, so comparing the
 * delimiter at each '$' is what the flex rules amount to.
 */
static int scan_dollar(struct lexer *lx, size_t open, size_t tl, struct pgb_error *err)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i;
	for (;;) {
		const void *d = i < n ? memchr(u + i, '$', n - i) : NULL;
		if (!d)
			return fail_at(lx, open, err, "unterminated dollar-quoted string");
		i = (size_t)((const unsigned char *)d - u);
		if (n - i >= tl && memcmp(u + i, u + open, tl) == 0) {
			lx->i = i + tl;
			return 0;
		}
		i++;
	}
}

/*
 * Numbers: {integer}, {decimal}, {decimalfail}, {real}, {realfail} and the
 * *_junk rules that glue a following identifier (with its '$'s) on.
 * lx->i is at a digit, or at a '.' before a digit.
 */
static void scan_number(struct lexer *lx)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i;
	while (i < n && is_digit(u[i]))
		i++;
	if (i < n && u[i] == '.') {
		if (i + 1 < n && u[i + 1] == '.') {
			lx->i = i; /* {decimalfail}: "1..10" is 1, "..", 10 */
			return;
		}
		i++;
		while (i < n && is_digit(u[i]))
			i++;
	}
	if (i < n && (u[i] == 'e' || u[i] == 'E')) {
		size_t k = i + 1;
		if (k < n && (u[k] == '+' || u[k] == '-')) {
			if (k + 1 < n && is_digit(u[k + 1])) {
				i = k + 1;
				while (i < n && is_digit(u[i]))
					i++;
			} else {
				lx->i = k + 1; /* {realfail} */
				return;
			}
		} else if (k < n && is_digit(u[k])) {
			i = k;
			while (i < n && is_digit(u[i]))
				i++;
		}
	}
	if (i < n && is_ident_start(u[i])) { /* {integer_junk}, {decimal_junk}, {real_junk} */
		while (i < n && is_ident_cont(u[i]))
			i++;
	}
	lx->i = i;
}

/*
 * ':' in INITIAL: {typecast}, {colon_equals}, and psql's variable
 * references :name, :'name', :"name", :{?name}, which are kept as text but
 * are single tokens (so ":'x'" is no string and ":begin" no identifier).
 */
static void scan_colon(struct lexer *lx)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i + 1;
	if (i < n && (u[i] == ':' || u[i] == '=')) {
		lx->i = i + 1;
		return;
	}
	if (i < n && is_dolq_cont(u[i])) {
		while (i < n && is_dolq_cont(u[i]))
			i++;
		lx->i = i;
		return;
	}
	if (i < n && (u[i] == '\'' || u[i] == '"')) {
		unsigned char q = u[i];
		size_t k = i + 1;
		while (k < n && is_dolq_cont(u[k]))
			k++;
		if (k > i + 1 && k < n && u[k] == q) {
			lx->i = k + 1;
			return;
		}
	} else if (i + 1 < n && u[i] == '{' && u[i + 1] == '?') {
		size_t k = i + 2;
		while (k < n && is_dolq_cont(u[k]))
			k++;
		if (k > i + 2 && k < n && u[k] == '}') {
			lx->i = k + 1;
			return;
		}
	}
	lx->i = i; /* the failure rules throw back all but the colon */
}

/*
 * A backslash at top level: psql's "\\"[;:] rule, or a meta-command, which
 * runs to the end of the line. Text of a statement before it becomes a
 * statement of its own (psql sends it if the command is \g and friends).
 */
static void scan_backslash(struct lexer *lx)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len, i = lx->i;
	if (i + 1 < n && (u[i + 1] == ';' || u[i + 1] == ':')) {
		token(lx);
		if (lx->stmt_escape == SQL_NO_ESCAPE)
			lx->stmt_escape = i;
		if (u[i + 1] == ';')
			lx->identifier_count = 0;
		lx->i = i + 2;
		return;
	}
	end_stmt(lx, i, 0);
	const void *nl = memchr(u + i, '\n', n - i);
	size_t end = nl ? (size_t)((const unsigned char *)nl - u) : n;
	size_t span_end = end;
	if (nl && span_end > i + 1 && u[span_end - 1] == '\r')
		span_end--;
	push(lx, i, span_end, SQL_STMT_META, nl != NULL, SQL_NO_ESCAPE);
	scan_reset(lx);
	lx->i = end;
}

static int scs_setting(const char *buf, const struct sql_stmt *st);

static int scan(struct lexer *lx, struct pgb_error *err)
{
	const unsigned char *u = lx->u;
	size_t n = lx->len;
	lx->i = utf8_bom(lx->buf, n); /* psql skips a byte-order mark on line 1 */
	while (lx->i < n) {
		size_t i = lx->i;
		unsigned char c = u[i], d = i + 1 < n ? u[i + 1] : 0;
		if (is_space(c)) { /* {whitespace} */
			lx->i++;
			continue;
		}
		if (c == '-' && d == '-') { /* {comment}, to the next \n or \r */
			while (lx->i < n && u[lx->i] != '\n' && u[lx->i] != '\r')
				lx->i++;
			if (lx->opts && lx->opts->on_comment)
				lx->opts->on_comment(lx->opts->ctx, i, lx->i);
			continue;
		}
		if (c == '/' && d == '*') { /* {xcstart} */
			lx->i += 2;
			if (scan_comment(lx, err) != 0)
				return -1;
			continue;
		}
		if (c == '\\') {
			scan_backslash(lx);
			continue;
		}
		token(lx);
		int r = 0;
		switch (c) {
		case ';':
			lx->i++;
			if (lx->paren_depth == 0 && lx->begin_depth == 0) {
				end_stmt(lx, lx->i, 1);
				lx->identifier_count = 0;
				/* the server reports the change and psql lexes on with it */
				int scs = lx->one_message ? -1 : scs_setting(lx->buf, &lx->out->stmts[lx->out->n - 1]);
				if (scs >= 0)
					lx->std_strings = scs;
			}
			break;
		case '(':
			lx->paren_depth++;
			lx->i++;
			break;
		case ')':
			if (lx->paren_depth > 0)
				lx->paren_depth--;
			lx->i++;
			break;
		case '\'': /* {xqstart}: standard_conforming_strings decides */
			lx->i++;
			r = scan_string(lx, lx->std_strings ? XQ : XE, i, err);
			break;
		case '"': /* {xdstart} */
			lx->i++;
			r = scan_quoted_ident(lx, i, err);
			break;
		case '$':
			if (is_digit(d)) { /* {param}, {param_junk} */
				lx->i++;
				while (lx->i < n && is_digit(u[lx->i]))
					lx->i++;
				if (lx->i < n && is_ident_start(u[lx->i]))
					while (lx->i < n && is_ident_cont(u[lx->i]))
						lx->i++;
			} else {
				size_t tl = dolq_delim(u, n, i);
				if (tl) { /* {dolqdelim} */
					lx->i += tl;
					r = scan_dollar(lx, i, tl, err);
				} else {
					lx->i++; /* {dolqfailed} keeps only the "$"; or {other} */
				}
			}
			break;
		case ':':
			scan_colon(lx);
			break;
		case '.':
			if (is_digit(d))
				scan_number(lx);
			else
				lx->i++;
			break;
		default:
			if (is_digit(c)) {
				scan_number(lx);
			} else if (is_ident_start(c)) {
				unsigned char lc = (unsigned char)lower(c);
				if ((lc == 'b' || lc == 'x' || lc == 'e') && d == '\'') {
					/* {xbstart}, {xhstart}, {xestart} */
					lx->i += 2;
					r = scan_string(lx, lc == 'b' ? XB : lc == 'x' ? XH : XE, i, err);
				} else if (lc == 'n' && d == '\'') {
					/* {xnstart}: eat only the 'n'; the quote is an ordinary one */
					lx->i += 2;
					r = scan_string(lx, lx->std_strings ? XQ : XE, i, err);
				} else if (lc == 'u' && d == '&') {
					unsigned char e = i + 2 < n ? u[i + 2] : 0;
					if (e == '\'') { /* {xusstart} */
						lx->i += 3;
						r = scan_string(lx, XUS, i, err);
					} else if (e == '"') { /* {xuistart} */
						lx->i += 3;
						r = scan_quoted_ident(lx, i, err);
					} else {
						lx->i++; /* {xufailed}: the 'u' alone, no identifier */
					}
				} else { /* {identifier} */
					size_t k = i + 1;
					while (k < n && is_ident_cont(u[k]))
						k++;
					identifier(lx, lx->buf + i, k - i);
					lx->i = k;
				}
			} else {
				lx->i++; /* {self}, {operator}, {other}: one byte at a time will do */
			}
			break;
		}
		if (r != 0)
			return -1;
	}
	end_stmt(lx, n, 0);
	return 0;
}

/* ---- classifying statements by their first words ------------------------ */

enum tok_kind { TOK_END, TOK_WORD, TOK_OTHER };

struct tokens {
	const char *buf;
	size_t i, end;
	int depth;
};

struct tok {
	enum tok_kind kind;
	const char *s;
	size_t n;
	int depth; /* parenthesis depth at the token, before it */
};

/*
 * The next token of a statement that sql_split accepted: words (unquoted
 * identifiers and keywords) and everything else as TOK_OTHER, comments
 * skipped. Strings and quoted identifiers are one TOK_OTHER each.
 */
static struct tok next_tok(struct tokens *t)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	struct tok k = { TOK_END, NULL, 0, t->depth };
	size_t i = t->i, n = t->end;
	for (;;) {
		while (i < n && is_space(u[i]))
			i++;
		if (i + 1 < n && u[i] == '-' && u[i + 1] == '-') {
			while (i < n && u[i] != '\n' && u[i] != '\r')
				i++;
			continue;
		}
		if (i + 1 < n && u[i] == '/' && u[i + 1] == '*') {
			size_t depth = 0;
			i += 2;
			while (i < n) {
				if (u[i] == '/' && i + 1 < n && u[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (u[i] == '*' && i + 1 < n && u[i + 1] == '/') {
					i += 2;
					if (depth-- == 0)
						break;
				} else {
					i++;
				}
			}
			continue;
		}
		break;
	}
	if (i >= n) {
		t->i = n;
		return k;
	}
	size_t s = i;
	unsigned char c = u[i];
	if (is_ident_start(c) && !(i + 1 < n && (u[i + 1] == '\'' || (u[i + 1] == '&' && (c == 'u' || c == 'U'))))) {
		while (i < n && is_ident_cont(u[i]))
			i++;
		k.kind = TOK_WORD;
	} else {
		k.kind = TOK_OTHER;
		if (is_ident_start(c)) /* a prefixed literal: skip to its quote */
			i += u[i + 1] == '&' ? 2 : 1;
		unsigned char q = i < n ? u[i] : 0;
		if (q == '\'' || q == '"') {
			int esc = q == '\'' && i > s && (u[s] == 'e' || u[s] == 'E');
			for (i++; i < n; i++) {
				if (esc && u[i] == '\\') {
					i++;
				} else if (u[i] == q) {
					if (i + 1 < n && u[i + 1] == q)
						i++;
					else
						break;
				}
			}
			i = i < n ? i + 1 : n;
		} else if (q == '$' && dolq_delim(u, n, i)) {
			size_t tl = dolq_delim(u, n, i), b = i + tl;
			while (b < n && !(n - b >= tl && memcmp(u + b, u + i, tl) == 0))
				b++;
			i = b < n ? b + tl : n;
		} else {
			if (c == '(')
				t->depth++;
			else if (c == ')' && t->depth > 0)
				t->depth--;
			i++;
		}
	}
	k.s = t->buf + s;
	k.n = i - s;
	t->i = i;
	return k;
}

static void tokens_init(struct tokens *t, const char *buf, const struct sql_stmt *st)
{
	t->buf = buf;
	t->i = st->start;
	t->end = st->end;
	t->depth = 0;
}

static int tok_is(const struct tok *k, const char *w)
{
	return k->kind == TOK_WORD && word_is(k->s, k->n, w);
}

/* The first words of a statement, lowercased comparisons done by callers. */
#define MAXW 12
struct words {
	struct tok w[MAXW];
	int n;
};

static void first_words(const char *buf, const struct sql_stmt *st, struct words *ws)
{
	struct tokens t;
	tokens_init(&t, buf, st);
	ws->n = 0;
	while (ws->n < MAXW) {
		struct tok k = next_tok(&t);
		if (k.kind == TOK_END)
			break;
		ws->w[ws->n++] = k;
	}
}

static enum sql_txn classify_txn(const char *buf, const struct sql_stmt *st)
{
	struct words ws;
	first_words(buf, st, &ws);
	if (ws.n == 0)
		return SQL_TXN_NONE;
	const struct tok *w = ws.w;
	/* the word after an optional WORK or TRANSACTION */
	const struct tok *after = ws.n > 1 && (tok_is(&w[1], "work") || tok_is(&w[1], "transaction"))
					  ? (ws.n > 2 ? &w[2] : NULL)
					  : (ws.n > 1 ? &w[1] : NULL);
	if (tok_is(&w[0], "begin"))
		return after && tok_is(after, "atomic") ? SQL_TXN_NONE : SQL_TXN_BEGIN;
	if (tok_is(&w[0], "start"))
		return ws.n > 1 && tok_is(&w[1], "transaction") ? SQL_TXN_BEGIN : SQL_TXN_NONE;
	if (tok_is(&w[0], "commit"))
		return ws.n > 1 && tok_is(&w[1], "prepared") ? SQL_TXN_OTHER : SQL_TXN_COMMIT;
	if (tok_is(&w[0], "end"))
		return SQL_TXN_COMMIT;
	if (tok_is(&w[0], "rollback")) {
		if (ws.n > 1 && tok_is(&w[1], "prepared"))
			return SQL_TXN_OTHER;
		if (after && tok_is(after, "to"))
			return SQL_TXN_OTHER;
		return SQL_TXN_ROLLBACK;
	}
	if (tok_is(&w[0], "abort"))
		return SQL_TXN_ROLLBACK;
	if (tok_is(&w[0], "savepoint") || tok_is(&w[0], "release"))
		return SQL_TXN_OTHER;
	if (tok_is(&w[0], "prepare") && ws.n > 1 && tok_is(&w[1], "transaction"))
		return SQL_TXN_OTHER;
	return SQL_TXN_NONE;
}

/*
 * SET [SESSION] standard_conforming_strings {TO|=} value, RESET
 * standard_conforming_strings, RESET ALL: the new setting (0 or 1), or -1
 * when st does not change it. SET LOCAL is left alone: it ends with the
 * transaction, which a lexer cannot follow.
 */
static int scs_setting(const char *buf, const struct sql_stmt *st)
{
	struct words ws;
	first_words(buf, st, &ws);
	const struct tok *w = ws.w;
	int k = 1;
	if (ws.n >= 2 && tok_is(&w[0], "reset"))
		return tok_is(&w[1], "standard_conforming_strings") || tok_is(&w[1], "all") ? 1 : -1;
	if (ws.n < 4 || !tok_is(&w[0], "set"))
		return -1;
	if (tok_is(&w[k], "session"))
		k++;
	if (k + 2 >= ws.n || !tok_is(&w[k], "standard_conforming_strings"))
		return -1;
	k++;
	if (!tok_is(&w[k], "to") && !(w[k].n == 1 && w[k].s[0] == '='))
		return -1;
	k++;
	const char *v = w[k].s;
	size_t n = w[k].n;
	if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'')
		v++, n -= 2;
	if (word_is(v, n, "on") || word_is(v, n, "true") || word_is(v, n, "yes") || word_is(v, n, "1") ||
	    word_is(v, n, "default"))
		return 1;
	if (word_is(v, n, "off") || word_is(v, n, "false") || word_is(v, n, "no") || word_is(v, n, "0"))
		return 0;
	return -1;
}

/* IF [NOT] EXISTS within the first `within` words after w[from]. */
static int has_if_exists(const struct words *ws, int from, int within, int not)
{
	for (int k = from; k < ws->n && k <= from + within; k++) {
		if (ws->w[k].kind != TOK_WORD)
			return 0;
		if (tok_is(&ws->w[k], "if")) {
			if (not)
				return k + 2 < ws->n && tok_is(&ws->w[k + 1], "not") && tok_is(&ws->w[k + 2], "exists");
			return k + 1 < ws->n && tok_is(&ws->w[k + 1], "exists");
		}
	}
	return 0;
}

/* ALTER TABLE: every action at depth 0 is ADD [COLUMN] IF NOT EXISTS or DROP [COLUMN] IF EXISTS. */
static int alter_table_idempotent(const char *buf, const struct sql_stmt *st)
{
	struct tokens t;
	tokens_init(&t, buf, st);
	next_tok(&t); /* ALTER */
	next_tok(&t); /* TABLE */
	struct tok k;
	/* skip IF EXISTS, ONLY and the name up to the first action */
	do {
		k = next_tok(&t);
	} while (k.kind != TOK_END && !((tok_is(&k, "add") || tok_is(&k, "drop")) && k.depth == 0));
	if (k.kind == TOK_END)
		return 0;
	for (;;) {
		int add = tok_is(&k, "add");
		if (!add && !tok_is(&k, "drop"))
			return 0;
		k = next_tok(&t);
		if (tok_is(&k, "column"))
			k = next_tok(&t);
		if (!tok_is(&k, "if"))
			return 0;
		if (add) {
			k = next_tok(&t);
			if (!tok_is(&k, "not"))
				return 0;
		}
		k = next_tok(&t);
		if (!tok_is(&k, "exists"))
			return 0;
		/* on to the next action after a comma at depth 0, or the end */
		do {
			k = next_tok(&t);
		} while (k.kind != TOK_END && !(k.kind == TOK_OTHER && k.n == 1 && k.s[0] == ',' && k.depth == 0) &&
			 !(k.kind == TOK_OTHER && k.n == 1 && k.s[0] == ';' && k.depth == 0));
		if (k.kind == TOK_END || k.s[0] == ';')
			return 1;
		k = next_tok(&t);
	}
}

int sql_stmt_is_idempotent(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct words ws;
	first_words(buf, st, &ws);
	if (ws.n == 0)
		return 0;
	const struct tok *w = ws.w;
	if (tok_is(&w[0], "create")) {
		if (ws.n > 2 && tok_is(&w[1], "or") && tok_is(&w[2], "replace"))
			return 1;
		return has_if_exists(&ws, 1, 5, 1);
	}
	if (tok_is(&w[0], "drop"))
		return has_if_exists(&ws, 1, 5, 0);
	if (tok_is(&w[0], "alter") && ws.n > 1) {
		if (tok_is(&w[1], "table"))
			return alter_table_idempotent(buf, st);
		if (tok_is(&w[1], "type")) {
			/* ALTER TYPE name ADD VALUE IF NOT EXISTS: the name may be qualified */
			for (int k = 2; k + 4 < ws.n; k++)
				if (tok_is(&w[k], "add") && tok_is(&w[k + 1], "value"))
					return tok_is(&w[k + 2], "if") && tok_is(&w[k + 3], "not") &&
					       tok_is(&w[k + 4], "exists");
		}
		return 0;
	}
	if (tok_is(&w[0], "vacuum") || tok_is(&w[0], "analyze") || tok_is(&w[0], "analyse") ||
	    tok_is(&w[0], "reindex") || tok_is(&w[0], "set") || tok_is(&w[0], "reset") || tok_is(&w[0], "grant") ||
	    tok_is(&w[0], "revoke"))
		return 1;
	if (tok_is(&w[0], "comment"))
		return ws.n > 1 && tok_is(&w[1], "on");
	if (tok_is(&w[0], "refresh"))
		return ws.n > 2 && tok_is(&w[1], "materialized") && tok_is(&w[2], "view");
	if (tok_is(&w[0], "select")) {
		/* SELECT ... INTO creates a table */
		struct tokens t;
		tokens_init(&t, buf, st);
		for (struct tok k = next_tok(&t); k.kind != TOK_END; k = next_tok(&t))
			if (k.depth == 0 && tok_is(&k, "into"))
				return 0;
		return 1;
	}
	return 0;
}

/* COPY ... <dir> <target> at the statement's top level ("FROM STDIN", "TO STDOUT"). */
static int copy_with(const char *buf, const struct sql_stmt *st, const char *dir, const char *target)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct tokens t;
	tokens_init(&t, buf, st);
	struct tok k = next_tok(&t);
	if (!tok_is(&k, "copy"))
		return 0;
	int after = 0;
	for (k = next_tok(&t); k.kind != TOK_END; k = next_tok(&t)) {
		if (k.depth != 0)
			continue;
		if (after && tok_is(&k, target))
			return 1;
		after = tok_is(&k, dir);
	}
	return 0;
}

int sql_stmt_is_copy_from_stdin(const char *buf, const struct sql_stmt *st)
{
	return copy_with(buf, st, "from", "stdin");
}

int sql_stmt_is_copy_to_stdout(const char *buf, const struct sql_stmt *st)
{
	return copy_with(buf, st, "to", "stdout");
}

int sql_stmt_is_two_phase(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct tokens t;
	tokens_init(&t, buf, st);
	struct tok first = next_tok(&t), second = next_tok(&t);
	return (tok_is(&first, "prepare") && tok_is(&second, "transaction")) ||
	       ((tok_is(&first, "commit") || tok_is(&first, "rollback")) && tok_is(&second, "prepared"));
}

/* ---- what can release a session lock, what can share a block ------------ */

/* The token names the function w: the word, any case, or the quoted identifier exactly. */
static int tok_names(const struct tok *k, const char *w)
{
	size_t n = strlen(w);
	if (k->kind == TOK_WORD)
		return word_is(k->s, k->n, w);
	return k->n == n + 2 && k->s[0] == '"' && memcmp(k->s + 1, w, n) == 0 && k->s[n + 1] == '"';
}

static int tok_is_char(const struct tok *k, char c)
{
	return k->kind == TOK_OTHER && k->n == 1 && k->s[0] == c;
}

/* s[0..n), blanks trimmed, is an integer literal whose value is not key */
static int literal_other_than(const char *s, size_t n, long long key)
{
	while (n && is_space((unsigned char)*s))
		s++, n--;
	while (n && is_space((unsigned char)s[n - 1]))
		n--;
	char num[32];
	if (n == 0 || n >= sizeof(num))
		return 0;
	memcpy(num, s, n);
	num[n] = '\0';
	size_t k = num[0] == '-' || num[0] == '+';
	if (!num[k])
		return 0;
	for (size_t j = k; j < n; j++)
		if (!is_digit((unsigned char)num[j]))
			return 0;
	errno = 0;
	long long v = strtoll(num, NULL, 10);
	return errno == 0 && v != key;
}

/* After "name(": 1 when the call has two arguments, or one that is an integer literal other than key. */
static int unlock_call_harmless(struct tokens *t, long long key)
{
	int depth = t->depth, commas = 0;
	size_t arg = t->i;
	for (struct tok k = next_tok(t); k.kind != TOK_END; k = next_tok(t)) {
		if (k.depth == depth && tok_is_char(&k, ','))
			commas++;
		if (k.depth == depth && tok_is_char(&k, ')'))
			return commas == 1 || (commas == 0 && literal_other_than(t->buf + arg, (size_t)(k.s - t->buf) - arg, key));
	}
	return 0;
}

enum sql_unlock sql_stmt_unlocks(const char *buf, const struct sql_stmt *st, long long key, size_t *at)
{
	if (st->kind != SQL_STMT_SQL)
		return SQL_UNLOCK_NONE;
	struct tokens t;
	tokens_init(&t, buf, st);
	struct tok k = next_tok(&t);
	*at = k.s ? (size_t)(k.s - buf) : st->start;
	if (tok_is(&k, "discard")) {
		struct tok what = next_tok(&t);
		if (!(tok_is(&what, "temp") || tok_is(&what, "temporary") || tok_is(&what, "plans") ||
		      tok_is(&what, "sequences")))
			return SQL_UNLOCK_DISCARD;
	}
	for (; k.kind != TOK_END; k = next_tok(&t)) {
		int all = tok_names(&k, "pg_advisory_unlock_all");
		int one = tok_names(&k, "pg_advisory_unlock") || tok_names(&k, "pg_advisory_unlock_shared");
		if (!all && !one)
			continue;
		*at = (size_t)(k.s - buf);
		struct tokens peek = t;
		struct tok open = next_tok(&peek);
		if (!tok_is_char(&open, '('))
			continue; /* a column or another object of that name, not a call */
		if (all)
			return SQL_UNLOCK_ALL;
		t = peek;
		if (!unlock_call_harmless(&t, key))
			return SQL_UNLOCK_KEY;
	}
	return SQL_UNLOCK_NONE;
}

int sql_stmt_sets_session(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct tokens t;
	tokens_init(&t, buf, st);
	struct tok k = next_tok(&t);
	if (tok_is(&k, "set") || tok_is(&k, "reset") || tok_is(&k, "discard"))
		return 1;
	for (; k.kind != TOK_END; k = next_tok(&t))
		if (tok_names(&k, "set_config"))
			return 1;
	return 0;
}

/* a word at the statement's top level */
static int has_top_word(const char *buf, const struct sql_stmt *st, const char *w)
{
	struct tokens t;
	tokens_init(&t, buf, st);
	for (struct tok k = next_tok(&t); k.kind != TOK_END; k = next_tok(&t))
		if (k.depth == 0 && tok_is(&k, w))
			return 1;
	return 0;
}

int sql_stmt_fits_block(const char *buf, const struct sql_stmt *st)
{
	static const char *const fits[] = {"select", "insert", "update", "delete", "merge", "with", "values",
					   "table", "copy", "truncate", "comment", "grant", "revoke", "analyze",
					   "analyse", "set", "reset", "create", "alter", "drop", "refresh",
					   "security", NULL};
	/* the objects whose CREATE, ALTER or DROP refuses a transaction block (or may, by version or options) */
	static const char *const alone[] = {"database", "tablespace", "subscription", "system", "type", NULL};
	if (st->kind != SQL_STMT_SQL || st->txn != SQL_TXN_NONE || has_top_word(buf, st, "concurrently"))
		return 0;
	struct words ws;
	first_words(buf, st, &ws);
	int ok = 0;
	for (int i = 0; ws.n > 0 && fits[i] && !ok; i++)
		ok = tok_is(&ws.w[0], fits[i]);
	if (!ok)
		return 0;
	if (tok_is(&ws.w[0], "create") || tok_is(&ws.w[0], "alter") || tok_is(&ws.w[0], "drop"))
		for (int i = 0; ws.n > 1 && alone[i]; i++)
			if (tok_is(&ws.w[1], alone[i]))
				return 0;
	return 1;
}

/* ---- the entry point ------------------------------------------------------ */

int sql_split(const char *buf, size_t len, const struct sqlsplit_opts *opts, struct sql_script *out,
	      struct pgb_error *err)
{
	struct lexer lx;
	memset(&lx, 0, sizeof(lx));
	lx.buf = buf;
	lx.u = (const unsigned char *)buf;
	lx.len = len;
	lx.std_strings = opts ? opts->standard_conforming_strings : 1;
	lx.opts = opts;
	lx.one_message = opts ? opts->one_message : 0;
	lx.out = out;
	out->stmts = NULL;
	out->n = 0;
	cursor_init(&lx.cur, buf, len);
	if (scan(&lx, err) != 0) {
		sql_script_free(out);
		return -1;
	}
	for (size_t k = 0; k < out->n; k++)
		if (out->stmts[k].kind == SQL_STMT_SQL)
			out->stmts[k].txn = classify_txn(buf, &out->stmts[k]);
	return 0;
}

void sql_script_free(struct sql_script *script)
{
	if (!script)
		return;
	free(script->stmts);
	script->stmts = NULL;
	script->n = 0;
}
