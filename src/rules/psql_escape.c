/* psql_escape.c: psql sends \; and \: as ';' and ':'; the server would read the backslash. */
#include "rules.h"

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	(void)u;
	if (st->psql_escape == SQL_NO_ESCAPE)
		return 0;
	hit->at = st->psql_escape;
	return 1;
}

static const struct rule_example examples[] = {
	{"SELECT 1 \\; SELECT 2;", 1, 0, 0},
	{"SELECT '\\;';", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_psql_escape = {
	.id = "psql-escape",
	.statement = check,
	.what = "psql's \\; or \\: escape",
	.hint = "Only psql understands these; write ; or : instead.",
	.examples = examples,
};
