/*
 * refresh_matview_not_concurrent.c: REFRESH MATERIALIZED VIEW without
 * CONCURRENTLY recomputes the view under ACCESS EXCLUSIVE: every read of
 * it waits for the whole query.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_written.h"

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	/* WITH NO DATA runs no query: it empties the view (and makes it unreadable) at once */
	if (strcmp(type, "RefreshMatViewStmt") != 0 || lint_true(node, "concurrent") || lint_true(node, "skipData"))
		return;
	const struct json_value *rv = json_member(node, "relation");
	char *t = lint_written(cx, rv), *name = lint_rangevar(rv);
	lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
		    "REFRESH MATERIALIZED VIEW CONCURRENTLY %s; (EXCLUSIVE: reads of %s go on during the refresh). "
		    "It needs a unique index on %s over plain columns, without a WHERE clause (create it first, "
		    "e.g. CREATE UNIQUE INDEX CONCURRENTLY ON %s (<key columns>); in a no-transaction file), and "
		    "the view populated already",
		    t, t, t, t);
	free(t);
	free(name);
}

static const struct lint_example examples[] = {
	{"REFRESH MATERIALIZED VIEW daily_totals;", 1, 0},
	{"refresh materialized view app.\"Daily\";", 1, 0},
	{"REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;", 0, 0},
	{"REFRESH MATERIALIZED VIEW daily_totals WITH NO DATA;", 0, 0},
	{"REFRESH MATERIALIZED VIEW daily_totals WITH DATA;", 1, 1},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_refresh_matview_not_concurrent = {
	.id = "refresh-matview-not-concurrent",
	.reason = "recomputes the view under ACCESS EXCLUSIVE: every read of it waits for the whole query",
	.scale = LINT_BY_SIZE,
	.large = LINT_WARNING,
	.check = check,
	.examples = examples,
};
