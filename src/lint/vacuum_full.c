/*
 * vacuum_full.c: VACUUM FULL rewrites each table into a new file under
 * ACCESS EXCLUSIVE: no read or write of the table until it is done.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_locks.h"
#include "lint_written.h"

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	struct lint_locks l;
	if (strcmp(type, "VacuumStmt") != 0 || !lint_option(json_member(node, "options"), "full"))
		return;
	lint_locks_of(type, node, &l);
	if (l.n == 0)
		lint_report(cx, NULL, NULL, "ACCESS EXCLUSIVE",
			    "VACUUM FULL without a table rewrites every table of the database, each under ACCESS "
			    "EXCLUSIVE: repack the tables that need it with pg_repack (online), outside the "
			    "migrations, or run plain VACUUM; (SHARE UPDATE EXCLUSIVE) in a no-transaction file");
	for (size_t i = 0; i < l.n; i++) {
		char *t = lint_written(cx, l.items[i].at), *w = lint_shell_word(t);
		lint_report(cx, l.items[i].at, l.items[i].name, "ACCESS EXCLUSIVE",
			    "pg_repack --table=%s rebuilds it online, holding ACCESS EXCLUSIVE only for a moment at "
			    "the start and the end (the pg_repack extension, and a primary key or a unique index "
			    "on %s), run outside the migrations; or, to make the dead space reusable without "
			    "shrinking the file, VACUUM %s; (SHARE UPDATE EXCLUSIVE: reads and writes go on) in a "
			    "file with -- pgboot:no-transaction",
			    w, t, t);
		free(t);
		free(w);
	}
	lint_locks_free(&l);
}

static const struct lint_example examples[] = {
	{"VACUUM FULL messages;", 1, 1},
	{"VACUUM (FULL, ANALYZE) app.messages, \"Users\";", 2, 1},
	{"vacuum (verbose, full true) messages;", 1, 1},
	{"VACUUM FULL;", 1, 1},
	{"VACUUM (FULL false) messages;", 0, 1},
	{"VACUUM (FULL 0) messages;", 0, 1},
	{"VACUUM messages;", 0, 1},
	{"VACUUM (ANALYZE) messages;", 0, 1},
	{"ANALYZE messages;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_vacuum_full = {
	.id = "vacuum-full",
	.reason = "rewrites the whole table under ACCESS EXCLUSIVE: no read or write of it until the copy is done",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
