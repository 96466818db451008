/*
 * concurrent_in_transaction.c: CREATE/DROP INDEX CONCURRENTLY or REINDEX
 * CONCURRENTLY where a transaction is open (a transactional file, or after
 * the file's own BEGIN): the server refuses it, so the migration fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_locks.h"

/* the file's transaction state, kept across its statements: 0 not yet known, 1 in one, 2 outside */
static int in_transaction(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	void **state = lint_file_state(cx);
	intptr_t s = (intptr_t)*state;
	if (s == 0)
		s = lint_no_transaction(cx) ? 2 : 1;
	if (strcmp(type, "TransactionStmt") == 0) {
		const char *kind = lint_str(node, "kind");
		if (kind && (strcmp(kind, "TRANS_STMT_BEGIN") == 0 || strcmp(kind, "TRANS_STMT_START") == 0))
			s = 1;
		else if (kind && (strcmp(kind, "TRANS_STMT_COMMIT") == 0 || strcmp(kind, "TRANS_STMT_ROLLBACK") == 0))
			s = 2;
	}
	*state = (void *)s;
	return s == 1;
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	int in = in_transaction(cx, type, node);
	const char *what = NULL;
	char *table = NULL;
	if (strcmp(type, "IndexStmt") == 0 && lint_true(node, "concurrent")) {
		what = "CREATE INDEX CONCURRENTLY";
		table = lint_rangevar(json_member(node, "relation"));
	} else if (strcmp(type, "DropStmt") == 0 && lint_true(node, "concurrent")) {
		what = "DROP INDEX CONCURRENTLY";
	} else if (strcmp(type, "ReindexStmt") == 0 && lint_option(json_member(node, "params"), "concurrently")) {
		what = "REINDEX CONCURRENTLY";
	}
	if (what && in)
		lint_report(cx, NULL, table, NULL,
			    "put \"-- pgboot:no-transaction\" at the top of the file (%s cannot run inside a transaction "
			    "block; keep it in a file of its own, each statement commits on its own)",
			    what);
	free(table);
}

static const struct lint_example examples[] = {
	{"CREATE INDEX CONCURRENTLY m_idx ON messages (body);", 1, 0},
	{"CREATE INDEX CONCURRENTLY m_idx ON messages (body);", 0, 1},
	{"DROP INDEX CONCURRENTLY m_idx;", 1, 0},
	{"REINDEX (CONCURRENTLY) INDEX m_idx; REINDEX TABLE CONCURRENTLY messages;", 2, 0},
	{"REINDEX (CONCURRENTLY true, VERBOSE) INDEX m_idx;", 1, 0},
	/* CONCURRENTLY turned off: a plain REINDEX (reindex-not-concurrent's) */
	{"REINDEX (CONCURRENTLY false) TABLE messages; REINDEX (VERBOSE, CONCURRENTLY off) INDEX m_idx;", 0, 0},
	{"BEGIN; CREATE INDEX CONCURRENTLY a ON t (x); COMMIT;", 1, 1},
	{"COMMIT; CREATE INDEX CONCURRENTLY a ON t (x); BEGIN;", 0, 0},
	{"CREATE INDEX a ON t (x); DROP INDEX a;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_concurrent_in_transaction = {
	.id = "concurrent-in-transaction",
	.reason = "a CONCURRENTLY statement cannot run inside a transaction block: the migration will fail",
	.scale = LINT_FIXED,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
