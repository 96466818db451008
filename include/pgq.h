/*
 * pgq.h: the only module that calls libpg_query. Parses one statement's
 * text with the PostgreSQL 15 grammar and hands its tree back as
 * json_read.h's values (pg_query's JSON), or the parser's error. Pure: no
 * I/O, no server.
 */
#ifndef PGB_PGQ_H
#define PGB_PGQ_H

#include <stddef.h>

#include "json_read.h"

/* the deepest tree read: pg_query's nest far deeper than JSON_MAX_DEPTH */
#define PGQ_MAX_DEPTH 2000

struct pgq_result {
	struct json_value *tree; /* the whole document: {"version":..,"stmts":[{"stmt":{"Type":{..}}}..]}; NULL on error */
	char *error;             /* the parser's message when tree is NULL */
	long cursor;             /* 1-based character position of the error in the text, 0: none */
};

/*
 * Parse text[0..len) (copied, NUL-terminated; it holds no NUL). Returns 0
 * with r->tree, or -1 with r->error (and r->cursor). Free with pgq_free.
 */
int pgq_parse(const char *text, size_t len, struct pgq_result *r);
void pgq_free(struct pgq_result *r);

/* The statement nodes of a tree: r->tree's "stmts" array, each item's "stmt" member; n set. */
const struct json_value *pgq_stmts(const struct pgq_result *r, size_t *n);

#endif
