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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stmt.h"
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

/*
 * The splitter: psql's MainLoop around the scanner. It keeps where the
 * current statement began and the result; everything about the text is
 * the scanner's (struct sql_tokens).
 */
struct lexer {
	struct sql_tokens tk;
	int one_message; /* sqlsplit_opts.one_message */
	int in_stmt;     /* a statement has begun and not ended */
	size_t stmt_start;
	size_t stmt_escape;
	struct cursor cur; /* trails the scan; only ever moves forward */
	struct sql_script *out;
	size_t cap;
	/* COPY FROM STDIN data pending: the scan is held to the end of the COPY's
	   line (tk.len = line_end) and goes on at resume, after the last "\." */
	int pending;
	size_t full_len;
	size_t line_end;
	size_t resume;
};

static void push(struct lexer *lx, size_t start, size_t end, enum sql_stmt_kind kind, int terminated,
		 size_t escape)
{
	struct sql_script *s = lx->out;
	if (s->n == lx->cap) {
		lx->cap = lx->cap ? 2 * lx->cap : 16;
		s->stmts = xrealloc(s->stmts, lx->cap * sizeof(*s->stmts));
	}
	cursor_seek(&lx->cur, lx->tk.buf, lx->tk.len, start);
	struct sql_stmt *st = &s->stmts[s->n++];
	st->start = start;
	st->end = end;
	st->line = lx->cur.line;
	st->column = lx->cur.column;
	st->kind = kind;
	st->std_strings = lx->tk.std_strings;
	st->terminated = terminated;
	st->psql_escape = escape;
	st->data_start = 0;
	st->data_len = 0;
	st->data_line = 0;
}

/* A token starts at lx->tk.i: it starts a statement unless one is under way. */
static void token(struct lexer *lx)
{
	if (!lx->in_stmt) {
		lx->in_stmt = 1;
		lx->stmt_start = lx->tk.i;
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
	lx->tk.paren_depth = 0;
	lx->tk.begin_depth = 0;
	lx->tk.identifier_count = 0;
}

/* The scanner failed: name the line where the unterminated form opened. */
static int fail_at(struct lexer *lx, struct pgb_error *err)
{
	cursor_seek(&lx->cur, lx->tk.buf, lx->tk.len, lx->tk.fail_open);
	if (err && !err->code) {
		pgb_fail(err, PGB_EXIT_CONFIG, "%s", lx->tk.fail_msg);
		err->line = lx->cur.line;
		err->column = lx->cur.column;
	}
	return -1;
}

static int scan_failed(struct sql_tokens *t, size_t open, const char *msg)
{
	t->fail_open = open;
	t->fail_msg = msg;
	return -1;
}

/*
 * The {identifier} rule: psql's heuristic for CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END bodies, copied as is (including
 * its quirks: only the first letters of the first four identifiers are
 * remembered, and CASE counts only inside a BEGIN).
 */
static void identifier(struct sql_tokens *t, const char *s, size_t n)
{
	if (t->identifier_count == 0)
		memset(t->identifiers, 0, sizeof(t->identifiers));
	if (word_is(s, n, "create") || word_is(s, n, "function") || word_is(s, n, "procedure") ||
	    word_is(s, n, "or") || word_is(s, n, "replace")) {
		if (t->identifier_count < sizeof(t->identifiers))
			t->identifiers[t->identifier_count] = (char)lower((unsigned char)s[0]);
	}
	t->identifier_count++;
	const char *id = t->identifiers;
	if (id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' || (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
	    t->paren_depth == 0) {
		if (word_is(s, n, "begin"))
			t->begin_depth++;
		else if (word_is(s, n, "case")) {
			if (t->begin_depth >= 1)
				t->begin_depth++;
		} else if (word_is(s, n, "end")) {
			if (t->begin_depth > 0)
				t->begin_depth--;
		}
	}
}

enum qstate { XQ, XE, XB, XH, XUS };

/*
 * <xqs>{quotecontinue}: after a closing quote at i-1, does the string go on?
 * Only within one psql input line, i.e. across a '\r' but never a '\n'.
 * Returns the offset just past the continuing quote, or 0.
 */
static size_t quote_continues(const struct sql_tokens *t, size_t i)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len;
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

/* <xq>, <xe>, <xb>, <xh>, <xus>: t->i is just past the opening quote. */
static int scan_string(struct sql_tokens *t, enum qstate st, size_t open)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	for (;;) {
		if (i >= n)
			return scan_failed(t, open, "unterminated quoted string");
		unsigned char c = u[i];
		if (c == '\\' && st == XE) {
			/* {xeescape} and friends; <xe>. for a '\' just before the end */
			i += i + 1 < n ? 2 : 1;
		} else if (c == '\'') {
			if (st != XB && st != XH && i + 1 < n && u[i + 1] == '\'') {
				i += 2; /* {xqdouble} */
				continue;
			}
			size_t k = quote_continues(t, i + 1);
			if (k) {
				i = k;
				continue;
			}
			t->i = i + 1;
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

/* <xd>, <xui>: t->i is just past the opening double quote. */
static int scan_quoted_ident(struct sql_tokens *t, size_t open)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	for (;;) {
		const void *q = i < n ? memchr(u + i, '"', n - i) : NULL;
		if (!q)
			return scan_failed(t, open, "unterminated quoted identifier");
		i = (size_t)((const unsigned char *)q - u);
		if (i + 1 < n && u[i + 1] == '"') {
			i += 2; /* {xddouble} */
			continue;
		}
		t->i = i + 1;
		return 0;
	}
}

/* <xc>: t->i is just past the opening slash-star; nesting is a counter. */
static int scan_comment(struct sql_tokens *t)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i, open = t->i - 2;
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
					t->i = i;
					return 0;
				}
				depth--;
			}
		} else {
			i++;
		}
	}
	return scan_failed(t, open, "unterminated /* comment");
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
 * <xdolq>: t->i is just past the opening delimiter buf[open..open+tl).
 * Every '$' in the body starts a flex token there, so comparing the
 * delimiter at each '$' is what the flex rules amount to.
 */
static int scan_dollar(struct sql_tokens *t, size_t open, size_t tl)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	for (;;) {
		const void *d = i < n ? memchr(u + i, '$', n - i) : NULL;
		if (!d)
			return scan_failed(t, open, "unterminated dollar-quoted string");
		i = (size_t)((const unsigned char *)d - u);
		if (n - i >= tl && memcmp(u + i, u + open, tl) == 0) {
			t->i = i + tl;
			return 0;
		}
		i++;
	}
}

/*
 * Numbers: {integer}, {decimal}, {decimalfail}, {real}, {realfail} and the
 * *_junk rules that glue a following identifier (with its '$'s) on.
 * t->i is at a digit, or at a '.' before a digit.
 */
static void scan_number(struct sql_tokens *t)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	while (i < n && is_digit(u[i]))
		i++;
	if (i < n && u[i] == '.') {
		if (i + 1 < n && u[i + 1] == '.') {
			t->i = i; /* {decimalfail}: "1..10" is 1, "..", 10 */
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
				t->i = k + 1; /* {realfail} */
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
	t->i = i;
}

/*
 * ':' in INITIAL: {typecast}, {colon_equals}, and psql's variable
 * references :name, :'name', :"name", :{?name}, which are kept as text but
 * are single tokens (so ":'x'" is no string and ":begin" no identifier).
 */
static void scan_colon(struct sql_tokens *t)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i + 1;
	if (i < n && (u[i] == ':' || u[i] == '=')) {
		t->i = i + 1;
		return;
	}
	if (i < n && is_dolq_cont(u[i])) {
		while (i < n && is_dolq_cont(u[i]))
			i++;
		t->i = i;
		return;
	}
	if (i < n && (u[i] == '\'' || u[i] == '"')) {
		unsigned char q = u[i];
		size_t k = i + 1;
		while (k < n && is_dolq_cont(u[k]))
			k++;
		if (k > i + 1 && k < n && u[k] == q) {
			t->i = k + 1;
			return;
		}
	} else if (i + 1 < n && u[i] == '{' && u[i + 1] == '?') {
		size_t k = i + 2;
		while (k < n && is_dolq_cont(u[k]))
			k++;
		if (k > i + 2 && k < n && u[k] == '}') {
			t->i = k + 1;
			return;
		}
	}
	t->i = i; /* the failure rules throw back all but the colon */
}

/*
 * {whitespace}, {comment} (to the next \n or \r, reported to on_comment) and
 * {xcstart}: move t->i to the next token or the end. 0, or -1 for an
 * unterminated block comment.
 */
static int skip_blanks(struct sql_tokens *t)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len;
	while (t->i < n) {
		size_t i = t->i;
		unsigned char c = u[i], d = i + 1 < n ? u[i + 1] : 0;
		if (is_space(c)) {
			t->i++;
		} else if (c == '-' && d == '-') {
			while (t->i < n && u[t->i] != '\n' && u[t->i] != '\r')
				t->i++;
			if (t->on_comment)
				t->on_comment(t->ctx, i, t->i);
		} else if (c == '/' && d == '*') {
			t->i += 2;
			if (scan_comment(t) != 0)
				return -1;
		} else {
			return 0;
		}
	}
	return 0;
}

/* A letter at i: a prefixed string or identifier, or an {identifier}. */
static int scan_word(struct sql_tokens *t, struct sql_token *tok)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	unsigned char lc = (unsigned char)lower(u[i]), d = i + 1 < n ? u[i + 1] : 0;
	if ((lc == 'b' || lc == 'x' || lc == 'e') && d == '\'') { /* {xbstart}, {xhstart}, {xestart} */
		t->i += 2;
		tok->kind = SQL_TOKEN_STRING;
		return scan_string(t, lc == 'b' ? XB : lc == 'x' ? XH : XE, i);
	}
	if (lc == 'n' && d == '\'') { /* {xnstart}: eat only the 'n'; the quote is an ordinary one */
		t->i += 2;
		tok->kind = SQL_TOKEN_STRING;
		return scan_string(t, t->std_strings ? XQ : XE, i);
	}
	if (lc == 'u' && d == '&') {
		unsigned char e = i + 2 < n ? u[i + 2] : 0;
		if (e == '\'') { /* {xusstart} */
			t->i += 3;
			tok->kind = SQL_TOKEN_STRING;
			return scan_string(t, XUS, i);
		}
		if (e == '"') { /* {xuistart} */
			t->i += 3;
			tok->kind = SQL_TOKEN_IDENT;
			return scan_quoted_ident(t, i);
		}
		t->i++; /* {xufailed}: the 'u' alone, no identifier */
		return 0;
	}
	size_t k = i + 1; /* {identifier} */
	while (k < n && is_ident_cont(u[k]))
		k++;
	identifier(t, t->buf + i, k - i);
	t->i = k;
	tok->kind = SQL_TOKEN_WORD;
	return 0;
}

/* '$': {param}, {param_junk}, {dolqdelim} and its body, or {dolqfailed}. */
static int scan_dollar_sign(struct sql_tokens *t, struct sql_token *tok)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	if (i + 1 < n && is_digit(u[i + 1])) {
		t->i++;
		while (t->i < n && is_digit(u[t->i]))
			t->i++;
		if (t->i < n && is_ident_start(u[t->i]))
			while (t->i < n && is_ident_cont(u[t->i]))
				t->i++;
		return 0;
	}
	size_t tl = dolq_delim(u, n, i);
	if (!tl) {
		t->i++; /* {dolqfailed} keeps only the "$"; or {other} */
		return 0;
	}
	t->i += tl;
	tok->kind = SQL_TOKEN_DOLLAR;
	return scan_dollar(t, i, tl);
}

/*
 * One token at t->i (not a blank). A backslash is psql's \; or \:, or a
 * meta-command to the end of the line (only a token iterator over a
 * meta-command sees that: the splitter takes backslashes first).
 */
static int scan_token(struct sql_tokens *t, struct sql_token *tok)
{
	const unsigned char *u = (const unsigned char *)t->buf;
	size_t n = t->len, i = t->i;
	unsigned char c = u[i], d = i + 1 < n ? u[i + 1] : 0;
	int r = 0;
	tok->kind = SQL_TOKEN_OTHER;
	tok->depth = t->paren_depth;
	switch (c) {
	case '\\':
		if (d == ';' || d == ':') {
			t->i += 2;
		} else {
			const void *nl = memchr(u + i, '\n', n - i);
			t->i = nl ? (size_t)((const unsigned char *)nl - u) : n;
		}
		break;
	case '(':
		t->paren_depth++;
		t->i++;
		break;
	case ')':
		if (t->paren_depth > 0)
			t->paren_depth--;
		t->i++;
		break;
	case '\'': /* {xqstart}: standard_conforming_strings decides */
		t->i++;
		tok->kind = SQL_TOKEN_STRING;
		r = scan_string(t, t->std_strings ? XQ : XE, i);
		break;
	case '"': /* {xdstart} */
		t->i++;
		tok->kind = SQL_TOKEN_IDENT;
		r = scan_quoted_ident(t, i);
		break;
	case '$':
		r = scan_dollar_sign(t, tok);
		break;
	case ':':
		scan_colon(t);
		break;
	default:
		if (is_digit(c) || (c == '.' && is_digit(d))) {
			scan_number(t);
			tok->kind = SQL_TOKEN_NUMBER;
		} else if (is_ident_start(c)) {
			r = scan_word(t, tok);
		} else {
			t->i++; /* {self}, {operator}, {other}: one byte at a time will do */
		}
		break;
	}
	tok->s = t->buf + i;
	tok->n = t->i - i;
	return r;
}

/*
 * A backslash at top level: psql's "\\"[;:] rule, or a meta-command, which
 * runs to the end of the line. Text of a statement before it becomes a
 * statement of its own (psql sends it if the command is \g and friends).
 */
static void scan_backslash(struct lexer *lx)
{
	const unsigned char *u = (const unsigned char *)lx->tk.buf;
	size_t n = lx->tk.len, i = lx->tk.i;
	if (i + 1 < n && (u[i + 1] == ';' || u[i + 1] == ':')) {
		token(lx);
		if (lx->stmt_escape == SQL_NO_ESCAPE)
			lx->stmt_escape = i;
		if (u[i + 1] == ';')
			lx->tk.identifier_count = 0;
		lx->tk.i = i + 2;
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
	lx->tk.i = end;
}

static int scs_setting(const char *buf, const struct sql_stmt *st);

#define COPY_NO_END "COPY FROM STDIN data has no end: a line \"\\.\" must follow it"

/* The first line at or after off that is exactly "\." (or "\.\r"): its start in *mark, and where the
   line after it starts in *after. -1 when there is none. */
static int copy_end_line(const char *buf, size_t len, size_t off, size_t *mark, size_t *after)
{
	size_t i = off;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len;
		size_t w = e - i;
		if ((w == 2 || (w == 3 && buf[i + 2] == '\r')) && buf[i] == '\\' && buf[i + 1] == '.') {
			*mark = i;
			*after = nl ? e + 1 : len;
			return 0;
		}
		i = nl ? e + 1 : len;
	}
	return -1;
}

static int lines_between(const char *buf, size_t from, size_t to)
{
	int n = 0;
	for (const char *p = buf + from; (p = memchr(p, '\n', (size_t)(buf + to - p))) != NULL; p++)
		n++;
	return n;
}

/*
 * psql's handleCopyIn on its own script: after it sent a COPY FROM STDIN
 * (at the ';'), it reads the lines that follow the one it is on as data,
 * up to a line "\.", then lexes the rest of the COPY's line and goes on
 * after the "\.". st is the statement just ended.
 */
static int copy_data(struct lexer *lx, struct sql_stmt *st)
{
	struct sql_tokens *t = &lx->tk;
	int n = stmt_copy_in_count(t->buf, st);
	if (n == 0)
		return 0;
	if (!lx->pending) {
		const char *nl = memchr(t->buf + t->i, '\n', t->len - t->i);
		lx->full_len = t->len;
		lx->line_end = nl ? (size_t)(nl - t->buf) + 1 : t->len;
		lx->resume = lx->line_end;
	}
	for (int k = 0; k < n; k++) {
		size_t begin = lx->resume, mark;
		if (copy_end_line(t->buf, lx->full_len, begin, &mark, &lx->resume) != 0)
			return scan_failed(t, st->start, COPY_NO_END);
		if (k == 0) {
			st->data_start = begin;
			st->data_len = mark - begin;
			st->data_line = st->line + lines_between(t->buf, st->start, begin);
		}
	}
	lx->pending = 1;
	t->len = lx->line_end;
	return 0;
}

/* The scan reached the end of a COPY's line: go on after its data. */
static int copy_resume(struct lexer *lx)
{
	if (lx->in_stmt) /* psql would join its text around the data: no span can hold that */
		return scan_failed(&lx->tk, lx->stmt_start,
				   "a statement after COPY FROM STDIN on the same line must end on that line");
	lx->tk.len = lx->full_len;
	lx->tk.i = lx->resume;
	lx->pending = 0;
	return 0;
}

/* A ';' outside parentheses and BEGIN ATOMIC bodies ends the statement. */
static int semicolon(struct lexer *lx)
{
	end_stmt(lx, lx->tk.i, 1);
	lx->tk.identifier_count = 0;
	struct sql_stmt *st = &lx->out->stmts[lx->out->n - 1];
	/* the server reports the change and psql lexes on with it */
	int scs = lx->one_message ? -1 : scs_setting(lx->tk.buf, st);
	if (scs >= 0)
		lx->tk.std_strings = scs;
	return copy_data(lx, st);
}

/* The end of the text: a statement left open there is sent, a COPY's data is then empty and unended. */
static int end_of_text(struct lexer *lx)
{
	size_t n = lx->out->n;
	end_stmt(lx, lx->tk.len, 0);
	if (lx->out->n > n && stmt_is_copy_from_stdin(lx->tk.buf, &lx->out->stmts[n]))
		return scan_failed(&lx->tk, lx->out->stmts[n].start, COPY_NO_END);
	return 0;
}

static int scan(struct lexer *lx)
{
	struct sql_tokens *t = &lx->tk;
	t->i = utf8_bom(t->buf, t->len); /* psql skips a byte-order mark on line 1 */
	for (;;) {
		if (skip_blanks(t) != 0)
			return -1;
		if (t->i >= t->len) {
			if (!lx->pending)
				break;
			if (copy_resume(lx) != 0)
				return -1;
			continue;
		}
		if (t->buf[t->i] == '\\') {
			scan_backslash(lx);
			continue;
		}
		token(lx);
		struct sql_token tok;
		if (scan_token(t, &tok) != 0)
			return -1;
		if (tok.n == 1 && tok.s[0] == ';' && t->paren_depth == 0 && t->begin_depth == 0 && semicolon(lx) != 0)
			return -1;
	}
	return end_of_text(lx);
}

/* ---- tokens of a statement -------------------------------------------------- */

void sql_tokens_init(struct sql_tokens *t, const char *buf, const struct sql_stmt *st)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = st->end;
	t->i = st->start;
	t->std_strings = st->std_strings;
}

int sql_token_next(struct sql_tokens *t, struct sql_token *tok)
{
	if (skip_blanks(t) == 0 && t->i < t->len && scan_token(t, tok) == 0)
		return 1;
	t->i = t->len;
	tok->kind = SQL_TOKEN_END;
	tok->s = t->buf + t->len;
	tok->n = 0;
	tok->depth = t->paren_depth;
	return 0;
}

int sql_token_is(const struct sql_token *tok, const char *w)
{
	return tok->kind == SQL_TOKEN_WORD && word_is(tok->s, tok->n, w);
}

int sql_is_blank(const char *buf, size_t len)
{
	struct sql_tokens t;
	memset(&t, 0, sizeof(t));
	t.buf = buf;
	t.len = len;
	return skip_blanks(&t) != 0 || t.i >= len;
}

/*
 * SET [SESSION] standard_conforming_strings {TO|=} value, RESET
 * standard_conforming_strings, RESET ALL: the new setting (0 or 1), or -1
 * when st does not change it. SET LOCAL is left alone: it ends with the
 * transaction, which a lexer cannot follow.
 */
static int scs_setting(const char *buf, const struct sql_stmt *st)
{
	struct sql_tokens t;
	struct sql_token w[5];
	int n = 0, k = 1;
	sql_tokens_init(&t, buf, st);
	while (n < 5 && sql_token_next(&t, &w[n]))
		n++;
	if (n >= 2 && sql_token_is(&w[0], "reset"))
		return sql_token_is(&w[1], "standard_conforming_strings") || sql_token_is(&w[1], "all") ? 1 : -1;
	if (n < 4 || !sql_token_is(&w[0], "set"))
		return -1;
	if (sql_token_is(&w[k], "session"))
		k++;
	if (k + 2 >= n || !sql_token_is(&w[k], "standard_conforming_strings"))
		return -1;
	k++;
	if (!sql_token_is(&w[k], "to") && !(w[k].n == 1 && w[k].s[0] == '='))
		return -1;
	k++;
	const char *v = w[k].s;
	size_t vn = w[k].n;
	if (vn >= 2 && v[0] == '\'' && v[vn - 1] == '\'')
		v++, vn -= 2;
	if (word_is(v, vn, "on") || word_is(v, vn, "true") || word_is(v, vn, "yes") || word_is(v, vn, "1") ||
	    word_is(v, vn, "default"))
		return 1;
	if (word_is(v, vn, "off") || word_is(v, vn, "false") || word_is(v, vn, "no") || word_is(v, vn, "0"))
		return 0;
	return -1;
}

/* ---- the entry point ------------------------------------------------------ */

int sql_split(const char *buf, size_t len, const struct sqlsplit_opts *opts, struct sql_script *out,
	      struct pgb_error *err)
{
	struct lexer lx;
	memset(&lx, 0, sizeof(lx));
	lx.tk.buf = buf;
	lx.tk.len = len;
	lx.tk.std_strings = opts ? opts->standard_conforming_strings : 1;
	lx.tk.on_comment = opts ? opts->on_comment : NULL;
	lx.tk.ctx = opts ? opts->ctx : NULL;
	lx.one_message = opts ? opts->one_message : 0;
	lx.out = out;
	out->stmts = NULL;
	out->n = 0;
	cursor_init(&lx.cur, buf, len);
	if (scan(&lx) != 0) {
		fail_at(&lx, err);
		sql_script_free(out);
		return -1;
	}
	return 0;
}

void sql_add_without_data(struct strbuf *sb, const char *buf, size_t from, size_t to, const struct sql_script *script)
{
	size_t at = from;
	for (size_t i = 0; i < script->n; i++) {
		const struct sql_stmt *st = &script->stmts[i];
		if (st->data_line == 0 || st->data_start < at || st->data_start >= to)
			continue;
		size_t e = st->data_start + st->data_len + 2; /* and the "\." after it */
		if (e > to)
			e = to;
		strbuf_add(sb, buf + at, st->data_start - at);
		for (size_t k = st->data_start; k < e; k++)
			if (buf[k] == '\n' || buf[k] == '\r')
				strbuf_addc(sb, buf[k]);
		at = e;
	}
	strbuf_add(sb, buf + at, to - at);
}

void sql_script_free(struct sql_script *script)
{
	if (!script)
		return;
	free(script->stmts);
	script->stmts = NULL;
	script->n = 0;
}
