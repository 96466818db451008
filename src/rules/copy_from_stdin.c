/* copy_from_stdin.c: pgboot does not send COPY FROM STDIN's data (the lexer sets it apart, sqlsplit.h). */
#include "rules.h"
#include "stmt.h"

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	(void)hit;
	return stmt_is_copy_from_stdin(u->text, st);
}

static const struct rule_example examples[] = {
	{"COPY t FROM STDIN;\n1\n\\.\n", 1, 0, 0},
	{"copy t (a) from stdin with (format csv);\n\"O'Brien\"\n\\.\n", 1, 0, 0},
	{"COPY t FROM '/srv/t.csv';", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_copy_from_stdin = {
	.id = "copy-from-stdin",
	.statement = check,
	.what = "COPY FROM STDIN",
	.hint = "Use INSERT statements (pg_dump writes them with --inserts, or --rows-per-insert=1000 for fewer "
		"statements), or COPY from a file on the server.",
	.examples = examples,
};
