/*
 * locus.h: where in a file a server error points: file:line:column and a
 * psql-style caret excerpt, for migrations, seeds and checks alike. Pure:
 * borrows the text and its statements, fills the caller's struct
 * pgb_error (file, line, column, excerpt).
 *
 * The server counts error positions in characters of the message it was
 * sent; a message is pgboot's prefix, then the file's text[base..end),
 * then pgboot's suffix. The map says where the file's bytes sit in it.
 */
#ifndef PGB_LOCUS_H
#define PGB_LOCUS_H

#include <stddef.h>

#include "error.h"
#include "sqlsplit.h"

struct locus_map {
	const char *path;
	const char *text; /* the file's text, text[0..len) */
	size_t len;
	const struct sql_script *script; /* its statements; NULL when it could not be split */
	size_t base, end;  /* the message carried text[base..end) ... */
	long prefix_chars; /* ... after this many characters of pgboot's own */
	long stmt;         /* the statement that failed, an index into script, or -1 when unknown */
	int bodies;        /* also look into the failed statement's dollar-quoted body (a function's) */
};

/*
 * Point err at path:line:column: by the server's position when it falls in
 * text[base..end]; else, with bodies, inside the failed statement's first
 * dollar-quoted body (the compile position, or the line of a PL/pgSQL
 * CONTEXT); else, for a row of a COPY FROM STDIN's data (the server's CONTEXT
 * "COPY t, line N"), at that line of the data; else at the failed statement's start (when it is in the
 * message). path:0:0 and no excerpt when none applies.
 */
void locus_locate(const struct locus_map *m, struct pgb_error *err);

#endif
