/*
 * drop_index_not_concurrent.c: DROP INDEX without CONCURRENTLY takes
 * ACCESS EXCLUSIVE on the index's table (measured on 15). The drop itself
 * is quick, but the lock waits for every query running on the table, and
 * every query after it waits behind it: one long report stalls the app.
 * DROP INDEX CONCURRENTLY waits for them without blocking anyone.
 *
 * The table is not in the statement (only the index is), so the finding
 * names no table (lint_report's table NULL): it cannot be sized, and is a
 * warning whatever the table. One finding per index named: DROP INDEX
 * CONCURRENTLY drops one index at a time and knows no CASCADE.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "strbuf.h"
#include "xmem.h"

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	const char *kind = lint_str(node, "removeType");
	if (strcmp(type, "DropStmt") != 0 || !kind || strcmp(kind, "OBJECT_INDEX") != 0 ||
	    lint_true(node, "concurrent"))
		return;
	const struct json_value *objs = json_member(node, "objects");
	const char *cascade = lint_str(node, "behavior");
	int has_cascade = cascade && strcmp(cascade, "DROP_CASCADE") == 0;
	for (size_t i = 0; objs && objs->type == JSON_ARRAY && i < objs->n; i++) {
		const struct json_value *items = json_member(lint_node(&objs->items[i], "List"), "items");
		char *name = lint_quote_list(items, ".");
		lint_report(cx, NULL, NULL, "ACCESS EXCLUSIVE",
			    "DROP INDEX CONCURRENTLY %s%s; in a file of its own with -- pgboot:no-transaction (the lock is "
			    "on the table of %s)%s",
			    lint_true(node, "missing_ok") ? "IF EXISTS " : "", name, name,
			    has_cascade ? "; CONCURRENTLY knows no CASCADE: drop what depends on the index first" : "");
		free(name);
	}
}

static const struct lint_example examples[] = {
	{"DROP INDEX users_email_idx;", 1, 0},
	{"drop index if exists app.\"Users_Email\", users_name_idx cascade;", 2, 0},
	/* an index of a table created earlier: still found (the table is not known, so not graded by it) */
	{"CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nDROP INDEX t_a;", 1, 1},
	{"DROP INDEX CONCURRENTLY users_email_idx;", 0, 1},
	{"DROP TABLE users;", 0, 0},
	{"ALTER INDEX users_email_idx RENAME TO users_email_key;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_drop_index_not_concurrent = {
	.id = "drop-index-not-concurrent",
	.reason = "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table: it waits for every "
		  "running query on it, and every query after it waits too",
	.scale = LINT_BY_SIZE,
	.large = LINT_WARNING,
	.check = check,
	.examples = examples,
};
