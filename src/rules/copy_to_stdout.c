/* copy_to_stdout.c: nobody reads the rows a migration would send. */
#include "rules.h"
#include "stmt.h"

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	(void)hit;
	return stmt_is_copy_to_stdout(u->text, st);
}

static const struct rule_example examples[] = {
	{"COPY t TO STDOUT;", 1, 0, 0},
	{"COPY t TO '/srv/t.csv';", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_copy_to_stdout = {
	.id = "copy-to-stdout",
	.statement = check,
	.what = "COPY TO STDOUT",
	.hint = "A migration has no one to send rows to; remove it.",
	.examples = examples,
};
