/* top_level_rollback.c: a file that rolls itself back would be recorded as applied. */
#include "rules.h"
#include "stmt.h"

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	(void)hit;
	return !(u->flags & RULE_NO_TRANSACTION) && stmt_txn(u->text, st) == STMT_TXN_ROLLBACK;
}

static const struct rule_example examples[] = {
	{"BEGIN;\nCREATE TABLE t ();\nROLLBACK;", 1, 0, 0},
	{"ABORT;", 1, 0, 0},
	{"BEGIN;\nROLLBACK;", 0, RULE_NO_TRANSACTION, 0},
	{"SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_top_level_rollback = {
	.id = "top-level-rollback",
	.statement = check,
	.what = "a top-level ROLLBACK",
	.hint = "A migration that rolls itself back would be recorded as applied; remove it.",
	.examples = examples,
};
