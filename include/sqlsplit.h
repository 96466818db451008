/*
 * sqlsplit.h: a pure lexer that finds the top-level statements of a SQL
 * script exactly as psql's scanner (psqlscan.l) does, without changing a
 * byte of the text. No I/O, no libpq. Borrows the buffer; the result owns
 * only its array of spans.
 */
#ifndef PGB_SQLSPLIT_H
#define PGB_SQLSPLIT_H

#include <stddef.h>

#include "error.h"

enum sql_stmt_kind {
	SQL_STMT_SQL, /* an SQL statement, sent to the server */
	SQL_STMT_META /* a psql meta-command (a backslash at top level): pgboot refuses these, but for
			 pg_dump's \restrict and \unrestrict lines, which it skips (rules.h) */
};

struct sql_stmt {
	size_t start;       /* byte offset of the statement's first token (leading whitespace and comments excluded) */
	size_t end;         /* byte offset just past its terminating ';' (or the end of the text) */
	int line;           /* 1-based line of start */
	int column;         /* 1-based column of start, in characters (UTF-8) */
	enum sql_stmt_kind kind;
	int std_strings;    /* the standard_conforming_strings it was lexed with (1 on) */
	int terminated;     /* 1 when it ended with ';' (or a meta-command's end of line) */
	size_t psql_escape; /* byte offset of the first psql-only \; or \: inside (psql sends
			       them as ';' and ':', keeping the statement going; the server would
			       reject the backslash), or SQL_NO_ESCAPE */
	/* COPY ... FROM STDIN: its data, as psql reads it, buf[data_start..data_start+data_len):
	   the lines from the one after the line of its ';' up to the first line that is
	   exactly "\." (a '\r' may end it), neither included. The lexer skips them and
	   the line "\.", so no statement holds them. data_line is the 1-based line of
	   data_start, 0 for a statement without data. (Several COPYs joined by psql's
	   "\;" read one block each, one after the other: the first one's is here.) */
	size_t data_start;
	size_t data_len;
	int data_line;
};

#define SQL_NO_ESCAPE ((size_t)-1)

struct sql_script {
	struct sql_stmt *stmts;
	size_t n;
};

struct sqlsplit_opts {
	int standard_conforming_strings; /* 1 (the server default): '\' is not an escape in ''.
					    The value at the start: a top-level SET [SESSION] or RESET
					    of it changes it for what follows, as the server's
					    ParameterStatus does for psql (SET LOCAL does not) */
	int one_message; /* 1: the text goes to the server in one Query message, which the
			    server lexes whole, before running any of it, with the value at
			    its start: a SET inside changes nothing */
	/* when set, called with ctx for every "--" comment the lexer meets outside
	   quotes, dollar bodies and block comments (in order): buf[start..end) is
	   the comment, without its line end. migfile.c finds markers with it. */
	void (*on_comment)(void *ctx, size_t start, size_t end);
	void *ctx;
};

/*
 * Split buf[0..len) into top-level statements. opts may be NULL (defaults).
 * Returns 0 and fills out (free with sql_script_free), or -1 with err set
 * (PGB_EXIT_CONFIG) for an unterminated quote, comment or dollar body,
 * naming the line where it opened in err->line/err->column, or for a COPY
 * FROM STDIN whose data has no line "\." (or a statement begun after the
 * COPY on its line that does not end there), naming the COPY's line. Comments and
 * whitespace alone produce no statement.
 */
int sql_split(const char *buf, size_t len, const struct sqlsplit_opts *opts, struct sql_script *out,
	      struct pgb_error *err);
void sql_script_free(struct sql_script *script);

/*
 * Append buf[from..to) to sb with the COPY FROM STDIN data of script's
 * statements in it, and each block's line "\.", cut down to their line
 * ends: the server reads the same statements on the same lines, never the
 * data (which goes after each COPY's CopyInResponse instead, db.h), and a
 * dump's data is not sent twice. A position the server gives after a block
 * is that many characters short of the file's: locus.c adds them back.
 */
struct strbuf;
void sql_add_without_data(struct strbuf *sb, const char *buf, size_t from, size_t to, const struct sql_script *script);

/*
 * Characters, lines and columns. Text is decoded as UTF-8; a byte that does
 * not start a valid sequence counts as one character. A byte-order mark at
 * offset 0 of buf counts as no character (psql ignores it too). Lines end
 * at '\n'; a '\r' before it belongs to no column anyone sees.
 */

/* The number of characters in buf[0..len). */
size_t sql_char_count(const char *buf, size_t len);

/*
 * Map the 1-based character position char_pos (as the server counts
 * PG_DIAG_STATEMENT_POSITION in the string it was sent: pass that string, or
 * the whole file with the statement's own offset added) to the 1-based line
 * and character column within buf, and the byte bounds [*line_start,
 * *line_end) of that line (without its "\r\n" or "\n"). char_pos may be
 * one past the last character ("at end of input"). Any output pointer may
 * be NULL. Returns 0, or -1 when char_pos is out of range.
 */
int sql_locate(const char *buf, size_t len, long char_pos, int *line, int *column, size_t *line_start,
	       size_t *line_end);

/* The same for a byte offset (0 <= off <= len): 0, or -1 when out of range. */
int sql_offset_locus(const char *buf, size_t len, size_t off, int *line, int *column);

/*
 * A psql-style excerpt of line `line` with a caret under character
 * `column`: "LINE 12: <text>\n         ^". Tabs before the column are kept in
 * the caret line so the caret lines up; wide (East Asian) characters get two
 * spaces and combining marks none. A line longer than 160 characters shows
 * the 160 around the column, with "..." where it was cut. Returns a string
 * the caller frees, or NULL when the line does not exist.
 */
char *sql_caret_excerpt(const char *buf, size_t len, int line, int column);

/*
 * Blanks: 1 when buf[0..len) holds nothing but whitespace and comments (an
 * unterminated block comment included), as the scanner reads them. A
 * byte-order mark is text here: callers that skip one do so themselves.
 */
int sql_is_blank(const char *buf, size_t len);

/*
 * The tokens of a statement, as the scanner that split it reads them (the
 * same state machine, with the statement's standard_conforming_strings):
 * comments and whitespace are skipped, a string, quoted identifier or
 * dollar-quoted body is one token, so a word inside one is never a word.
 * This is the only way the rest of pgboot looks into SQL text.
 */
enum sql_token_kind {
	SQL_TOKEN_END,    /* no more tokens */
	SQL_TOKEN_WORD,   /* an unquoted identifier or keyword */
	SQL_TOKEN_IDENT,  /* a quoted identifier: "x", U&"x" */
	SQL_TOKEN_STRING, /* a string constant: 'x', E'x', N'x', B'x', X'x', U&'x' */
	SQL_TOKEN_DOLLAR, /* a dollar-quoted string: $tag$ ... $tag$ */
	SQL_TOKEN_NUMBER,
	SQL_TOKEN_OTHER /* an operator or punctuation (one byte each), $1, a psql :variable, \; or \: */
};

struct sql_token {
	enum sql_token_kind kind;
	const char *s; /* its text, s[0..n), inside the buffer */
	size_t n;
	long depth; /* the parenthesis depth before it (a ')' is inside) */
};

/* The scanner's state, for sqlsplit.c only: callers read none of its fields. */
struct sql_tokens {
	const char *buf;
	size_t len; /* the scan stops here */
	size_t i;   /* the next byte to scan */
	int std_strings;
	long paren_depth;
	long begin_depth;
	size_t identifier_count;
	char identifiers[4];
	void (*on_comment)(void *ctx, size_t start, size_t end);
	void *ctx;
	size_t fail_open; /* after a failure: where the unterminated form opened, and what it is */
	const char *fail_msg;
};

/* Start on statement st of buf (a statement sql_split gave for buf). */
void sql_tokens_init(struct sql_tokens *t, const char *buf, const struct sql_stmt *st);

/* The next token in *tok: 1, or 0 at the statement's end (tok->kind SQL_TOKEN_END). */
int sql_token_next(struct sql_tokens *t, struct sql_token *tok);

/* 1 when tok is the word w (lowercase), in any case. */
int sql_token_is(const struct sql_token *tok, const char *w);

#endif
