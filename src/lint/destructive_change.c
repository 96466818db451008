/*
 * destructive_change.c: DROP TABLE, DROP SCHEMA, ALTER TABLE DROP COLUMN
 * and TRUNCATE take away what the release still running reads: during a
 * rolling deploy its queries fail (or see an empty table) until every old
 * instance is gone. Tables and schemas created by the same run (lint.h's
 * lint_created_here, lint_schema_created_here: renames followed) are not
 * reported.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_written.h"
#include "xmem.h"

static void drop_table(struct lint_ctx *cx, const struct json_value *node, const char *kind)
{
	const struct json_value *objs = json_member(node, "objects");
	int cascade = lint_str(node, "behavior") && strcmp(lint_str(node, "behavior"), "DROP_CASCADE") == 0;
	for (size_t i = 0; objs && objs->type == JSON_ARRAY && i < objs->n; i++) {
		const struct json_value *o = &objs->items[i];
		const struct json_value *list = lint_node(o, "List") ? json_member(lint_node(o, "List"), "items") : NULL;
		const char *sval = lint_str(lint_node(o, "String"), "sval");
		/* a table's name, quoted where needed and without a database's part (db.schema.rel): lint_rangevar's form */
		struct json_value parts = list && list->type == JSON_ARRAY ? *list : (struct json_value){0};
		if (parts.n > 2)
			parts.items += parts.n - 2, parts.n = 2;
		char *q = parts.n ? lint_quote_parts(&parts, 0) : lint_quote_ident(sval ? sval : "?");
		int schema = strcmp(kind, "SCHEMA") == 0;
		if (schema ? !lint_schema_created_here(cx, sval ? sval : "?") : !lint_created_here(cx, q))
			lint_report(cx, NULL, schema ? NULL : q, "ACCESS EXCLUSIVE",
				    "expand and contract: first ship a release that no longer reads or writes %s%s "
				    "(release N), then drop it in a migration of release N+1: DROP %s %s%s;%s",
				    schema ? "anything in schema " : "", q, kind, q, cascade ? " CASCADE" : "",
				    cascade ? " (CASCADE also drops the views and foreign keys that depend on it: list "
					      "them first)"
					    : "");
		free(q);
	}
}

static void drop_column(struct lint_ctx *cx, const struct json_value *node)
{
	const struct json_value *rv = json_member(node, "relation"), *cmds = json_member(node, "cmds");
	const char *objtype = lint_str(node, "objtype");
	char *name = lint_rangevar(rv);
	if (!name || lint_created_here(cx, name) || (objtype && strcmp(objtype, "OBJECT_TABLE") != 0 &&
						      strcmp(objtype, "OBJECT_FOREIGN_TABLE") != 0)) {
		free(name);
		return;
	}
	char *t = lint_written(cx, rv);
	for (size_t i = 0; cmds && cmds->type == JSON_ARRAY && i < cmds->n; i++) {
		const struct json_value *c = lint_node(&cmds->items[i], "AlterTableCmd");
		const char *sub = lint_str(c, "subtype");
		if (!sub || strcmp(sub, "AT_DropColumn") != 0 || !lint_str(c, "name"))
			continue;
		char *col = lint_quote_ident(lint_str(c, "name"));
		lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
			    "expand and contract: first ship a release that no longer reads or writes %s.%s (release N: "
			    "out of every query, and out of the ORM's model, which lists its columns), then drop it "
			    "in a migration of release N+1: ALTER TABLE %s DROP COLUMN %s;",
			    t, col, t, col);
		free(col);
	}
	free(t);
	free(name);
}

static void truncate_stmt(struct lint_ctx *cx, const struct json_value *node)
{
	const struct json_value *rels = json_member(node, "relations");
	for (size_t i = 0; rels && rels->type == JSON_ARRAY && i < rels->n; i++) {
		const struct json_value *rv = lint_node(&rels->items[i], "RangeVar");
		char *name = lint_rangevar(rv);
		if (name && !lint_created_here(cx, name)) {
			char *t = lint_written(cx, rv);
			const char *only = lint_true(rv, "inh") ? "" : "ONLY ";
			lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
				    "first ship a release that no longer reads %s (release N), then empty it in release "
				    "N+1; to keep reads and writes going while it empties, delete in batches instead: "
				    "DO $batch$ DECLARE n bigint; BEGIN LOOP DELETE FROM %s%s WHERE ctid = ANY (ARRAY(SELECT "
				    "ctid FROM %s%s LIMIT 10000)); GET DIAGNOSTICS n = ROW_COUNT; EXIT WHEN n = 0; COMMIT; "
				    "END LOOP; END $batch$; in a file with -- pgboot:no-transaction%s",
				    t, only, t, only, t,
				    lint_str(node, "behavior") && strcmp(lint_str(node, "behavior"), "DROP_CASCADE") == 0
					    ? " (CASCADE also empties every table with a foreign key to it)"
					    : "");
			free(t);
		}
		free(name);
	}
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	const char *rt = lint_str(node, "removeType");
	if (strcmp(type, "DropStmt") == 0 && rt && strcmp(rt, "OBJECT_TABLE") == 0)
		drop_table(cx, node, "TABLE");
	else if (strcmp(type, "DropStmt") == 0 && rt && strcmp(rt, "OBJECT_SCHEMA") == 0)
		drop_table(cx, node, "SCHEMA");
	else if (strcmp(type, "AlterTableStmt") == 0)
		drop_column(cx, node);
	else if (strcmp(type, "TruncateStmt") == 0)
		truncate_stmt(cx, node);
}

static const struct lint_example examples[] = {
	{"DROP TABLE messages;", 1, 0},
	{"drop table if exists app.\"Messages\", users cascade;", 2, 0},
	{"DROP SCHEMA legacy CASCADE;", 1, 0},
	{"ALTER TABLE messages DROP COLUMN body, DROP COLUMN IF EXISTS \"Subject\";", 2, 0},
	{"alter table only app.messages drop body;", 1, 1},
	{"TRUNCATE messages, app.users RESTART IDENTITY CASCADE;", 2, 0},
	{"TRUNCATE TABLE ONLY messages;", 1, 0},
	{"CREATE TABLE tmp (id int, junk text);\nALTER TABLE tmp DROP COLUMN junk;\nTRUNCATE tmp;\nDROP TABLE tmp;", 0, 0},
	{"CREATE TABLE app.tmp (id int);\nDROP TABLE app.tmp, messages;", 1, 0},
	/* the run's own schema, and what is in it; a schema made IF NOT EXISTS may be there already */
	{"CREATE SCHEMA scratch;\nCREATE TABLE scratch.t (id int);\nDROP TABLE scratch.t;\nDROP SCHEMA scratch CASCADE;",
	 0, 0},
	{"CREATE SCHEMA old_s;\nALTER SCHEMA old_s RENAME TO s2;\nDROP SCHEMA s2;\nDROP SCHEMA old_s;", 1, 0},
	{"CREATE SCHEMA IF NOT EXISTS legacy;\nDROP SCHEMA legacy;", 1, 0},
	/* a table the run created, then renamed or moved: still the run's */
	{"CREATE TABLE tmp (id int, junk text);\nALTER TABLE tmp RENAME TO tmp2;\nALTER TABLE tmp2 RENAME junk TO j;\n"
	 "ALTER TABLE tmp2 DROP COLUMN j;\nALTER TABLE tmp2 SET SCHEMA app;\nTRUNCATE app.tmp2;\nDROP TABLE app.tmp2;",
	 0, 0},
	/* the old name after the rename is some other table */
	{"CREATE TABLE a (id int);\nALTER TABLE a RENAME TO b;\nDROP TABLE a;", 1, 0},
	{"DROP VIEW message_view;", 0, 0},
	{"DROP INDEX messages_body_idx;", 0, 0},
	{"ALTER TABLE messages DROP CONSTRAINT messages_body_check;", 0, 0},
	{"ALTER TABLE messages ADD COLUMN body2 text;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_destructive_change = {
	.id = "destructive-change",
	.reason = "takes away what the release still running reads: its queries fail until every old instance is gone",
	.scale = LINT_IF_EXISTS,
	.large = LINT_WARNING,
	.check = check,
	.examples = examples,
};
