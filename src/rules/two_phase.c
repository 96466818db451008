/* two_phase.c: a prepared transaction would outlive the file whose history row commits. */
#include "rules.h"
#include "stmt.h"

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	(void)hit;
	return stmt_is_two_phase(u->text, st);
}

static const struct rule_example examples[] = {
	{"BEGIN;\nCREATE TABLE t ();\nPREPARE TRANSACTION 'x';", 1, 0, 0},
	{"COMMIT PREPARED 'x';", 1, RULE_NO_TRANSACTION, 0},
	{"PREPARE q AS SELECT 1;", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_two_phase = {
	.id = "two-phase",
	.statement = check,
	.what = "a two-phase commit statement",
	.hint = "PREPARE TRANSACTION would leave the file's work uncommitted while its history row commits.",
	.examples = examples,
};
