/*
 * cluster.c: CLUSTER rewrites a table in an index's order under ACCESS
 * EXCLUSIVE: no read or write of it until the copy and every index are
 * rebuilt.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_written.h"

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	if (strcmp(type, "ClusterStmt") != 0)
		return;
	const struct json_value *rv = json_member(node, "relation");
	const char *index = lint_str(node, "indexname");
	if (!rv) {
		lint_report(cx, NULL, NULL, "ACCESS EXCLUSIVE",
			    "CLUSTER without a table rewrites every table clustered before, each under ACCESS "
			    "EXCLUSIVE: repack them online with pg_repack --table=<table> (it keeps the clustered "
			    "index's order), outside the migrations");
		return;
	}
	char *t = lint_written(cx, rv), *w = lint_shell_word(t), *name = lint_rangevar(rv);
	char *i = index ? lint_quote_ident(index) : NULL;
	if (i)
		lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
			    "ALTER TABLE %s CLUSTER ON %s; (SHARE UPDATE EXCLUSIVE: it only records the order), then "
			    "pg_repack --table=%s outside the migrations: it rewrites %s online in that index's "
			    "order, holding ACCESS EXCLUSIVE only for a moment at the start and the end (the "
			    "pg_repack extension, and a primary key or a unique index on %s)",
			    t, i, w, t, t);
	else
		lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
			    "pg_repack --table=%s outside the migrations: it rewrites %s online in the order of the "
			    "index it was clustered on, holding ACCESS EXCLUSIVE only for a moment at the start and "
			    "the end (the pg_repack extension, and a primary key or a unique index on %s)",
			    w, t, t);
	free(t);
	free(w);
	free(name);
	free(i);
}

static const struct lint_example examples[] = {
	{"CLUSTER messages USING messages_created_idx;", 1, 0},
	{"cluster app.\"Messages\" using \"Messages_pkey\";", 1, 0},
	{"CLUSTER messages;", 1, 0},
	{"CLUSTER;", 1, 1},
	{"ALTER TABLE messages CLUSTER ON messages_created_idx;", 0, 0},
	{"CREATE TABLE t (id int);\nCLUSTER t USING t_pkey;", 1, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_cluster = {
	.id = "cluster",
	.reason = "rewrites the whole table and its indexes under ACCESS EXCLUSIVE: no read or write of it until done",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
