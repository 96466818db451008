/*
 * node_pg_migrate.h: node-pg-migrate's up and down markers as its regexes
 * find them (src/layouts/node_pg_migrate.c, where the layout is described).
 * Pure.
 */
#ifndef PGB_NODE_PG_MIGRATE_H
#define PGB_NODE_PG_MIGRATE_H

#include <stddef.h>

struct npm_marker {
	size_t start; /* where the regex match starts (String.search's answer) */
	size_t dash;  /* its "--" */
	size_t end;   /* just past "migration" */
};

/*
 * The first match in s[0..n) of /^\s*--[\s-]*WORD\s+migration/im (word:
 * "up" or "down"; \s as JavaScript reads it, ^ after \n, \r, U+2028 or
 * U+2029): 1 with m filled, or 0 when there is none.
 */
int npm_find_marker(const char *s, size_t n, const char *word, struct npm_marker *m);

#endif
