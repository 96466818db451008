/* locus.c: server error positions mapped into files (see locus.h). */
#include "locus.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The statement's first dollar-quoted body: the offset just past its opening tag, or 0. */
static size_t body_start(const char *buf, const struct sql_stmt *st)
{
	struct sql_tokens t;
	struct sql_token k;
	sql_tokens_init(&t, buf, st);
	while (sql_token_next(&t, &k))
		if (k.kind == SQL_TOKEN_DOLLAR)
			return (size_t)((const char *)memchr(k.s + 1, '$', k.n - 1) - buf) + 1;
	return 0;
}

/* "... PL/pgSQL function inline_code_block line 3 at RAISE": the 3, or 0 */
static int context_line(const char *context)
{
	const char *p = context ? strstr(context, "PL/pgSQL function ") : NULL;
	p = p ? strstr(p, " line ") : NULL;
	return p ? atoi(p + 6) : 0;
}

/* "COPY t, line 3, column id: ...": the 3, or 0; the last line of CONTEXT that says it (a trigger's
   "PL/pgSQL function f() line 1 at RAISE" comes before it) */
static int copy_context_line(const char *context)
{
	const char *line = NULL;
	for (const char *p = context; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "COPY ", 5) == 0)
			line = p;
	const char *end = line ? strchr(line, '\n') : NULL, *at = line ? strstr(line, ", line ") : NULL;
	return at && (!end || at < end) ? atoi(at + 7) : 0;
}

/* The COPY statement st's format: 0 text, 1 CSV (a row may span lines), -1 CSV with a QUOTE option (not read) */
static int copy_format(const char *text, const struct sql_stmt *st)
{
	struct sql_tokens t;
	struct sql_token k;
	int csv = 0, quote = 0;
	sql_tokens_init(&t, text, st);
	while (sql_token_next(&t, &k)) {
		csv |= k.kind == SQL_TOKEN_WORD && k.n == 3 && strncasecmp(k.s, "csv", 3) == 0;
		quote |= k.kind == SQL_TOKEN_WORD && k.n == 5 && strncasecmp(k.s, "quote", 5) == 0;
	}
	return csv ? (quote ? -1 : 1) : 0;
}

/*
 * The file line of row N of st's data, or 0 when it cannot be told: a text-format row is a line;
 * a CSV row ends at a line end outside double quotes. Never past the data.
 */
static int copy_row_line(const char *text, const struct sql_stmt *st, int row)
{
	const char *d = text + st->data_start;
	int csv = copy_format(text, st), quoted = 0, rows = 1, lines = 0;
	if (csv < 0)
		return 0;
	size_t i = 0;
	for (; i < st->data_len && rows < row; i++) {
		if (csv && d[i] == '"')
			quoted = !quoted;
		else if (d[i] == '\n') {
			lines++;
			rows += !quoted;
		}
	}
	return rows == row && i < st->data_len ? st->data_line + lines : 0;
}

/* the 1-based character column of the first non-blank character of a line, or 1 */
static int first_text_column(const char *s, size_t len, int line)
{
	size_t i = 0;
	for (int l = 1; l < line && i < len; i++)
		if (s[i] == '\n')
			l++;
	size_t start = i;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return (int)sql_char_count(s + start, i - start) + 1;
}

/* Set the locus; col 0 (only the line is known) puts the caret under the line's text. */
static void set_line(const struct locus_map *m, int line, int col, struct pgb_error *err)
{
	pgb_error_locus(err, m->path, line, col);
	free(err->excerpt);
	err->excerpt = sql_caret_excerpt(m->text, m->len, line, col > 0 ? col : first_text_column(m->text, m->len, line));
}

/* The number of line ends in text[from..to). */
static long line_ends(const char *text, size_t from, size_t to)
{
	long n = 0;
	for (size_t i = from; i < to; i++)
		n += text[i] == '\n' || text[i] == '\r';
	return n;
}

/*
 * The message's rel-th character of the file's part as the file's: the COPY data blocks before it were
 * sent as their line ends alone (sql_add_without_data), so each adds back what it left out.
 */
static long file_position(const struct locus_map *m, long rel)
{
	long removed = 0;
	for (size_t i = 0; m->script && i < m->script->n; i++) {
		const struct sql_stmt *st = &m->script->stmts[i];
		if (st->data_line == 0 || st->data_start < m->base || st->data_start >= m->end)
			continue;
		size_t e = st->data_start + st->data_len + 2 < m->end ? st->data_start + st->data_len + 2 : m->end;
		long before = (long)sql_char_count(m->text + m->base, st->data_start - m->base);
		long kept = line_ends(m->text, st->data_start, e);
		if (rel <= before - removed + kept)
			break;
		removed += (long)sql_char_count(m->text + st->data_start, e - st->data_start) - kept;
	}
	return rel + removed;
}

/* By the server's statement position; 1 when it pointed into the file's part of the message. */
static int by_position(const struct locus_map *m, struct pgb_error *err)
{
	long rel = (long)err->position - m->prefix_chars;
	if (err->position <= 0 || rel <= 0)
		return 0;
	long pos = (long)sql_char_count(m->text, m->base) + file_position(m, rel);
	if (pos > (long)sql_char_count(m->text, m->end) + 1)
		return 0;
	int line, col;
	if (sql_locate(m->text, m->len, pos, &line, &col, NULL, NULL) != 0)
		return 0;
	set_line(m, line, col, err);
	return 1;
}

/* Inside a function body: the compile position, or the CONTEXT line. */
static int in_body(const struct locus_map *m, const struct sql_stmt *st, struct pgb_error *err)
{
	size_t b = body_start(m->text, st);
	if (!b)
		return 0;
	int line, col;
	if (err->internal_position > 0) {
		long pos = (long)sql_char_count(m->text, b) + err->internal_position;
		if (sql_locate(m->text, m->len, pos, &line, &col, NULL, NULL) == 0) {
			set_line(m, line, col, err);
			return 1;
		}
	}
	int n = context_line(err->context);
	if (n <= 0 || sql_offset_locus(m->text, m->len, b, &line, &col) != 0)
		return 0;
	set_line(m, line + n - 1, 0, err);
	return 1;
}

void locus_locate(const struct locus_map *m, struct pgb_error *err)
{
	pgb_error_locus(err, m->path, 0, 0);
	free(err->excerpt);
	err->excerpt = NULL;
	if (by_position(m, err))
		return;
	if (!m->script || m->stmt < 0 || (size_t)m->stmt >= m->script->n)
		return;
	const struct sql_stmt *st = &m->script->stmts[m->stmt];
	if (st->start >= m->end || (m->bodies && in_body(m, st, err)))
		return;
	int row = st->data_line ? copy_context_line(err->context) : 0;
	int line = row > 0 ? copy_row_line(m->text, st, row) : 0;
	if (line > 0) { /* a row of the COPY's data: the server counts them from 1 */
		set_line(m, line, 1, err);
		return;
	}
	set_line(m, st->line, st->column, err);
}
