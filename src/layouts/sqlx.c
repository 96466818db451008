/*
 * sqlx.c: sqlx's no-transaction directive, "-- no-transaction" (the whole
 * comment, any case). It counts in the leading comment block; elsewhere it
 * is an ordinary comment, as it always was, so sqlx claims no comment.
 */
#include "layout.h"

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)err;
	layout_read_directive(line, n, body, "no-transaction", m);
	return 0;
}

static const struct layout_example examples[] = {
	{"-- no-transaction", MARKER_NO_TRANSACTION, 0},
	{"--  NO-TRANSACTION  ", MARKER_NO_TRANSACTION, 0},
	{"-- no-transaction please", MARKER_NONE, 0},
	{NULL, MARKER_NONE, 0},
};

const struct layout layout_sqlx = {
	.name = "sqlx",
	.read_marker = read_marker,
	.examples = examples,
};
