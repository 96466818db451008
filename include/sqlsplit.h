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
};

struct sql_script {
	struct sql_stmt *stmts;
	size_t n;
};

struct sqlsplit_opts {
	int standard_conforming_strings; /* 1 (the server default): '\' is not an escape in '' */
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

#endif
