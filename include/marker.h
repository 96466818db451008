/*
 * marker.h: one comment line read as the migration tool it belongs to reads
 * it, through the layout that claims it (layout.h, src/layouts/). Pure:
 * borrows the line, allocates nothing but an error's text.
 *
 * A comment line (optional blanks, then "--") whose text after "--" and
 * optional blanks starts with "pgboot:", "+goose" or "+migrate" (any case),
 * or with "migrate:" or "migrate" ":" and the word up or down (any case),
 * belongs to pgboot, goose, sql-migrate or dbmate, and must then be a marker that tool itself accepts
 * (the grammar is in migfile.h). Anything else there is a near miss: an
 * error, never a comment, because the tool's author meant a marker and a
 * marker read as a comment runs the down part as part of the up part.
 */
#ifndef PGB_MARKER_H
#define PGB_MARKER_H

#include <stddef.h>

#include "error.h"

enum marker_kind {
	MARKER_NONE,           /* an ordinary comment */
	MARKER_UP,             /* opens an up section */
	MARKER_DOWN,           /* opens a down section */
	MARKER_NO_TRANSACTION, /* run the up part without a transaction */
	MARKER_IDEMPOTENT,     /* "-- pgboot:idempotent" */
	MARKER_NOOP,           /* understood, nothing to do (goose StatementBegin ...) */
	MARKER_REQUIRES        /* "-- pgboot:requires VERSION": a check file's (arg holds VERSION) */
};

struct marker {
	enum marker_kind kind;
	int no_transaction; /* an up marker's own option asked for no transaction */
	int leading_only;   /* a directive that counts only in the leading comment block */
	int foreign;        /* sqlx's or morph's directive: elsewhere it is only a comment */
	const char *arg;    /* MARKER_REQUIRES: the argument, borrowed from the line */
	size_t arg_len;
};

/*
 * Read line[0..n) (without its "\n"; a trailing "\r" is ignored). Returns 0
 * and fills m, or -1 with err (PGB_EXIT_CONFIG, message and hint naming the
 * accepted spellings; the caller adds file and line).
 */
int marker_read(const char *line, size_t n, struct marker *m, struct pgb_error *err);

/* 1 when line[0..n) would be read as a marker or a near miss (marker_read says which) */
int marker_is_candidate(const char *line, size_t n);

#endif
