/*
 * set_logged_unlogged.c: ALTER TABLE SET LOGGED or SET UNLOGGED rewrites
 * the table (SET LOGGED also writes all of it to the WAL) under ACCESS
 * EXCLUSIVE. There is no online form.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_written.h"

static void report(struct lint_ctx *cx, const struct json_value *rv, int logged)
{
	char *t = lint_written(cx, rv), *name = lint_rangevar(rv);
	const char *schema = lint_str(rv, "schemaname"), *rel = lint_str(rv, "relname");
	char *fresh = lint_quote_name(schema, rel ? rel : "t", "_new");
	char *old = lint_quote_name(NULL, rel ? rel : "t", "_old"), *plain = lint_quote_ident(rel ? rel : "t");
	lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
		    "there is no online form: run it in a maintenance window, or build %s copy and swap: "
		    "CREATE %sTABLE %s (LIKE %s INCLUDING ALL); copy the rows in batches in a no-transaction file "
		    "(with writes to %s paused, or copied by a trigger), then in one short transaction: "
		    "ALTER TABLE %s RENAME TO %s; ALTER TABLE %s RENAME TO %s;",
		    logged ? "a logged" : "an unlogged", logged ? "" : "UNLOGGED ", fresh, t, t, t, old, fresh, plain);
	free(t);
	free(name);
	free(fresh);
	free(old);
	free(plain);
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	const char *objtype = lint_str(node, "objtype");
	if (strcmp(type, "AlterTableStmt") != 0 || (objtype && strcmp(objtype, "OBJECT_TABLE") != 0))
		return; /* a sequence's SET LOGGED rewrites no table */
	const struct json_value *cmds = json_member(node, "cmds");
	for (size_t i = 0; cmds && cmds->type == JSON_ARRAY && i < cmds->n; i++) {
		const char *sub = lint_str(lint_node(&cmds->items[i], "AlterTableCmd"), "subtype");
		if (sub && (strcmp(sub, "AT_SetLogged") == 0 || strcmp(sub, "AT_SetUnLogged") == 0))
			report(cx, json_member(node, "relation"), strcmp(sub, "AT_SetLogged") == 0);
	}
}

static const struct lint_example examples[] = {
	{"ALTER TABLE events SET LOGGED;", 1, 0},
	{"alter table if exists only app.\"Events\" set unlogged;", 1, 0},
	{"ALTER TABLE events SET UNLOGGED, SET LOGGED;", 2, 0},
	{"ALTER TABLE events SET (fillfactor = 70);", 0, 0},
	{"CREATE UNLOGGED TABLE events (id int);", 0, 0},
	{"ALTER SEQUENCE events_id_seq SET LOGGED;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_set_logged_unlogged = {
	.id = "set-logged-unlogged",
	.reason = "rewrites the whole table under ACCESS EXCLUSIVE (SET LOGGED writes all of it to the WAL too)",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
