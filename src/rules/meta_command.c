/* meta_command.c: psql's backslash commands mean nothing to the server. */
#include "rules.h"

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	(void)u, (void)hit;
	return st->kind == SQL_STMT_META;
}

static const struct rule_example examples[] = {
	{"\\set x 1\nSELECT :x;", 1, 0, 0},
	{"SELECT 1;\n\\i other.sql\n", 1, 0, 0},
	{"SELECT '\\i other.sql';", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_meta_command = {
	.id = "meta-command",
	.statement = check,
	.what = "a psql meta-command",
	.hint = "pgboot sends SQL to the server and has no psql meta-commands; inline the file or set the value in SQL.",
	.examples = examples,
};
