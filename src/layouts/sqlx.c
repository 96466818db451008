/*
 * sqlx.c: sqlx's no-transaction directive, "-- no-transaction" (the whole
 * comment, any case). It counts in the leading comment block; elsewhere it
 * is an ordinary comment, as it always was, so sqlx claims no comment.
 */
#include <string.h>
#include <strings.h>

#include "layout.h"

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)err;
	while (n > body && layout_is_wsp(line[n - 1]))
		n--;
	if (n - body == 14 && strncasecmp(line + body, "no-transaction", 14) == 0) {
		m->kind = MARKER_NO_TRANSACTION;
		m->leading_only = 1;
		m->foreign = 1;
	}
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
