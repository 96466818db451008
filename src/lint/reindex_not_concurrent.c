/*
 * reindex_not_concurrent.c: REINDEX without CONCURRENTLY blocks writes to
 * the table (SHARE) and every read that would use the index being rebuilt
 * (ACCESS EXCLUSIVE on it) for the whole build.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_locks.h"
#include "lint_written.h"

static const char *const kinds[][2] = {
	{"REINDEX_OBJECT_INDEX", "INDEX"},       {"REINDEX_OBJECT_TABLE", "TABLE"},
	{"REINDEX_OBJECT_SCHEMA", "SCHEMA"},     {"REINDEX_OBJECT_SYSTEM", "SYSTEM"},
	{"REINDEX_OBJECT_DATABASE", "DATABASE"},
};

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	if (strcmp(type, "ReindexStmt") != 0 || lint_option(json_member(node, "params"), "concurrently"))
		return;
	const char *kind = lint_str(node, "kind"), *word = "TABLE";
	const struct json_value *rv = json_member(node, "relation");
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i][0]) == 0)
			word = kinds[i][1];
	if (strcmp(word, "SYSTEM") == 0) {
		lint_report(cx, NULL, NULL, "ACCESS EXCLUSIVE",
			    "REINDEX SYSTEM has no concurrent form and locks the system catalogs every session "
			    "reads: run it by hand in a maintenance window, not in a migration");
		return;
	}
	char *name = rv ? lint_written(cx, rv) : lint_str(node, "name") ? lint_quote_ident(lint_str(node, "name")) : NULL;
	char *table = rv ? lint_rangevar(rv) : NULL;
	int index = strcmp(word, "INDEX") == 0;
	lint_report(cx, rv, table, index ? "ACCESS EXCLUSIVE" : "SHARE",
		    "REINDEX %s CONCURRENTLY%s%s; (SHARE UPDATE EXCLUSIVE: reads and writes go on while it "
		    "builds new indexes beside the old ones) in a file of its own with -- pgboot:no-transaction: "
		    "REINDEX CONCURRENTLY cannot run inside a transaction block",
		    word, name ? " " : "", name ? name : "");
	free(name);
	free(table);
}

static const struct lint_example examples[] = {
	{"REINDEX TABLE messages;", 1, 0},
	{"REINDEX INDEX app.\"Messages_pkey\";", 1, 0},
	{"reindex (verbose) table app.messages;", 1, 0},
	{"REINDEX SCHEMA app;", 1, 1},
	{"REINDEX DATABASE app;", 1, 1},
	{"REINDEX SYSTEM app;", 1, 1},
	{"REINDEX TABLE CONCURRENTLY messages;", 0, 1},
	{"REINDEX (CONCURRENTLY) INDEX messages_pkey;", 0, 1},
	{"REINDEX (CONCURRENTLY true, VERBOSE) INDEX messages_pkey;", 0, 1},
	{"REINDEX (CONCURRENTLY false) INDEX messages_pkey;", 1, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_reindex_not_concurrent = {
	.id = "reindex-not-concurrent",
	.reason = "blocks writes to the table and reads through the rebuilt index for the whole build",
	.scale = LINT_BY_SIZE,
	.large = LINT_WARNING,
	.check = check,
	.examples = examples,
};
