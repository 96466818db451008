/*
 * lock_table.c: LOCK TABLE holds its lock until the transaction ends, and
 * while it waits for the lock every later query on the table queues
 * behind it.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_locks.h"
#include "lint_written.h"

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	struct lint_locks l;
	if (strcmp(type, "LockStmt") != 0)
		return;
	lint_locks_of(type, node, &l);
	for (size_t i = 0; i < l.n; i++) {
		const char *mode = lint_lock_name(l.items[i].mode);
		char *t = lint_written(cx, l.items[i].at);
		if (lint_no_transaction(cx))
			lint_report(cx, l.items[i].at, l.items[i].name, mode,
				    "LOCK TABLE fails outside a transaction block, as each statement of a "
				    "no-transaction file runs: drop it, or move it and the statements it guards into "
				    "a transactional file, after SET lock_timeout = '5s'; so that a wait for %s fails "
				    "fast instead of queueing every query behind it",
				    t);
		else
			lint_report(cx, l.items[i].at, l.items[i].name, mode,
				    "drop the LOCK (each statement takes the lock it needs), or take the weakest mode "
				    "that protects the work and fail fast instead of queueing every query on %s "
				    "behind the wait: SET lock_timeout = '5s'; LOCK TABLE %s IN %s MODE%s; then keep "
				    "the rest of the transaction short",
				    t, t, mode, lint_true(node, "nowait") ? " NOWAIT" : "");
		free(t);
	}
	lint_locks_free(&l);
}

static const struct lint_example examples[] = {
	{"LOCK TABLE messages;", 1, 0},
	{"lock app.\"Messages\", users IN SHARE MODE NOWAIT;", 2, 0},
	{"LOCK TABLE ONLY messages IN ACCESS SHARE MODE;", 1, 0},
	{"LOCK messages IN ROW EXCLUSIVE MODE;", 1, 1},
	{"SELECT * FROM messages FOR UPDATE;", 0, 0},
	{"UPDATE messages SET a = 1 WHERE id = 2;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_lock_table = {
	.id = "lock-table",
	.reason = "holds the lock to the transaction's end, and every query on the table queues behind its wait",
	.scale = LINT_BY_SIZE,
	.large = LINT_WARNING,
	.check = check,
	.examples = examples,
};
