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
	SQL_STMT_META /* a psql meta-command (a backslash at top level): pgboot refuses these */
};

enum sql_txn {
	SQL_TXN_NONE,     /* not transaction control */
	SQL_TXN_BEGIN,    /* BEGIN, START TRANSACTION (not BEGIN ATOMIC, not DO blocks) */
	SQL_TXN_COMMIT,   /* COMMIT, END (not COMMIT PREPARED) */
	SQL_TXN_ROLLBACK, /* ROLLBACK, ABORT (not ROLLBACK TO SAVEPOINT, not ROLLBACK PREPARED) */
	SQL_TXN_OTHER     /* SAVEPOINT, RELEASE, ROLLBACK TO, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED */
};

struct sql_stmt {
	size_t start;       /* byte offset of the statement's first token (leading whitespace and comments excluded) */
	size_t end;         /* byte offset just past its terminating ';' (or the end of the text) */
	int line;           /* 1-based line of start */
	int column;         /* 1-based column of start, in characters (UTF-8) */
	enum sql_stmt_kind kind;
	enum sql_txn txn;
	int terminated;     /* 1 when it ended with ';' (or a meta-command's end of line) */
	size_t psql_escape; /* byte offset of the first psql-only \; or \: inside (psql sends
			       them as ';' and ':', keeping the statement going; the server would
			       reject the backslash), or SQL_NO_ESCAPE */
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
 * naming the line where it opened in err->line/err->column. Comments and
 * whitespace alone produce no statement.
 */
int sql_split(const char *buf, size_t len, const struct sqlsplit_opts *opts, struct sql_script *out,
	      struct pgb_error *err);
void sql_script_free(struct sql_script *script);

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
 * 1 when the statement st of buf is safe to run again after a partial
 * failure: CREATE ... IF NOT EXISTS, CREATE OR REPLACE, DROP ... IF EXISTS,
 * ALTER TABLE whose every action is ADD [COLUMN] IF NOT EXISTS or DROP
 * [COLUMN] IF EXISTS, ALTER TYPE ... ADD VALUE IF NOT EXISTS, VACUUM,
 * ANALYZE, REINDEX, REFRESH MATERIALIZED VIEW, SELECT (but not SELECT ...
 * INTO), SET, RESET, COMMENT ON, GRANT, REVOKE. 0 for everything else,
 * including meta-commands. Works on tokens: comments, case and quoting of
 * other identifiers do not matter.
 */
int sql_stmt_is_idempotent(const char *buf, const struct sql_stmt *st);

/*
 * 1 for COPY ... FROM STDIN: psql would read the lines after it as data,
 * which a lexer cannot know (they are split as SQL here); pgboot refuses
 * such a file rather than send data as statements.
 */
int sql_stmt_is_copy_from_stdin(const char *buf, const struct sql_stmt *st);

/* 1 for COPY ... TO STDOUT: a migration has no one to send the rows to. */
int sql_stmt_is_copy_to_stdout(const char *buf, const struct sql_stmt *st);

/* 1 for PREPARE TRANSACTION, COMMIT PREPARED and ROLLBACK PREPARED (by tokens). */
int sql_stmt_is_two_phase(const char *buf, const struct sql_stmt *st);

/* How a statement can release session-level advisory locks (pgboot's migration lock among them). */
enum sql_unlock {
	SQL_UNLOCK_NONE,
	SQL_UNLOCK_DISCARD, /* DISCARD ALL, or any DISCARD but TEMP, TEMPORARY, PLANS, SEQUENCES */
	SQL_UNLOCK_ALL,     /* a call of pg_advisory_unlock_all */
	SQL_UNLOCK_KEY      /* a one-argument pg_advisory_unlock[_shared] call whose argument is not an
			       integer literal other than key: it may be pgboot's own */
};

/*
 * Whether statement st of buf can release pgboot's migration lock (whose
 * bigint key is key), by tokens: a name in a string, a comment or a
 * dollar-quoted body is no call. The two-argument (int, int) forms of the
 * unlock functions use another key space and are fine. *at is set to the
 * byte offset of the word at fault.
 */
enum sql_unlock sql_stmt_unlocks(const char *buf, const struct sql_stmt *st, long long key, size_t *at);

/*
 * 1 when the statement may change a session setting for the statements
 * after it (by tokens): SET (SET LOCAL too), RESET or DISCARD first, or a
 * set_config call anywhere but in a string, a comment or a dollar-quoted
 * body. A function that sets one inside its body is not seen.
 */
int sql_stmt_sets_session(const char *buf, const struct sql_stmt *st);

/*
 * 1 when the statement can share a transaction block with other statements
 * and mean the same as when run alone: DML, SELECT, SET, most CREATE, ALTER
 * and DROP. 0 for what refuses a transaction block or may end one
 * (anything CONCURRENTLY, VACUUM, CREATE DATABASE, ALTER SYSTEM, DO, CALL,
 * ...), for transaction control, and for anything not known.
 */
int sql_stmt_fits_block(const char *buf, const struct sql_stmt *st);

#endif
