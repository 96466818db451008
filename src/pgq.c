/* pgq.c: libpg_query, the real PostgreSQL parser, for the lint (see pgq.h). */
#include "pgq.h"

#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

int pgq_parse(const char *text, size_t len, struct pgq_result *r)
{
	memset(r, 0, sizeof(*r));
	if (memchr(text, '\0', len)) {
		r->error = xstrdup("a NUL byte in the statement");
		return -1;
	}
	char *copy = xstrndup(text, len);
	PgQueryParseResult res = pg_query_parse(copy);
	free(copy);
	int rc = 0;
	if (res.error) {
		r->error = xstrdup(res.error->message ? res.error->message : "syntax error");
		r->cursor = res.error->cursorpos;
		rc = -1;
	} else {
		struct pgb_error err;
		pgb_error_init(&err);
		const char *tree = res.parse_tree ? res.parse_tree : "";
		if (json_parse_depth(tree, strlen(tree), PGQ_MAX_DEPTH, &r->tree, &err)) {
			r->error = xasprintf("the parse tree is not readable (%s)", err.message ? err.message : "");
			rc = -1;
		}
		pgb_error_free(&err);
	}
	pg_query_free_parse_result(res);
	return rc;
}

void pgq_free(struct pgq_result *r)
{
	json_free(r->tree);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

const struct json_value *pgq_stmts(const struct pgq_result *r, size_t *n)
{
	const struct json_value *a = json_member(r->tree, "stmts");
	*n = a && a->type == JSON_ARRAY ? a->n : 0;
	return *n ? a->items : NULL;
}
