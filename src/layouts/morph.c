/*
 * morph.c: morph's no-transaction directive, "-- morph:nontransactional" (the whole
 * comment, any case). It counts in the leading comment block; elsewhere it
 * is an ordinary comment, as it always was, so morph claims no comment.
 */
#include "layout.h"

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)err;
	layout_read_directive(line, n, body, "morph:nontransactional", m);
	return 0;
}

static const struct layout_example examples[] = {
	{"-- morph:nontransactional", MARKER_NO_TRANSACTION, 0},
	{"-- morph:nontransactional yes", MARKER_NONE, 0},
	{NULL, MARKER_NONE, 0},
};

const struct layout layout_morph = {
	.name = "morph",
	.read_marker = read_marker,
	.examples = examples,
};
