/*
 * rename.c: renaming a table or a column (ALTER TABLE RENAME, RENAME
 * COLUMN, and SET SCHEMA, which moves a table out of its name) breaks the
 * release still running: its queries name what is gone. Tables created by
 * the same run (under the name they have now) are not reported. Views,
 * indexes and constraints are not looked at.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_written.h"
#include "xmem.h"

/* The table keeps its old name as a view over the new one (a simple view is updatable). */
static void table_moved(struct lint_ctx *cx, const struct json_value *rv, const char *name, const char *stmt_fix,
			const char *target)
{
	char *t = lint_written(cx, rv);
	lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
		    "keep the old name working for the release still running: in one transaction %s CREATE VIEW %s "
		    "AS SELECT * FROM %s; (a simple view is updatable: the old release reads and writes through "
		    "it), then DROP VIEW %s; in a migration of the next release, once no instance uses the old name",
		    stmt_fix, t, target, t);
	free(t);
}

static void rename_table(struct lint_ctx *cx, const struct json_value *node, const struct json_value *rv,
			 const char *name)
{
	const char *newname = lint_str(node, "newname");
	size_t len;
	const char *s = lint_stmt_text(cx, &len);
	char *target = lint_quote_name(lint_str(rv, "schemaname"), newname ? newname : "?", NULL);
	char *stmt = xasprintf("%.*s;", (int)len, s);
	table_moved(cx, rv, name, stmt, target);
	free(target);
	free(stmt);
}

static void rename_column(struct lint_ctx *cx, const struct json_value *node, const struct json_value *rv,
			  const char *name)
{
	char *t = lint_written(cx, rv);
	char *from = lint_quote_ident(lint_str(node, "subname") ? lint_str(node, "subname") : "?");
	char *to = lint_quote_ident(lint_str(node, "newname") ? lint_str(node, "newname") : "?");
	lint_report(cx, rv, name, "ACCESS EXCLUSIVE",
		    "expand and contract: ALTER TABLE %s ADD COLUMN %s <the type of %s>; keep both filled (a "
		    "trigger that copies %s to %s, or a release that writes both), backfill %s in batches, move "
		    "the reads to %s (release N), then drop %s in a migration of release N+1: ALTER TABLE %s DROP "
		    "COLUMN %s;",
		    t, to, from, from, to, to, to, from, t, from);
	free(t);
	free(from);
	free(to);
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	const char *rt = lint_str(node, "renameType"), *rel = lint_str(node, "relationType");
	const char *ot = lint_str(node, "objectType");
	const struct json_value *rv = json_member(node, "relation");
	int table = strcmp(type, "RenameStmt") == 0 && rt && strcmp(rt, "OBJECT_TABLE") == 0;
	int column = strcmp(type, "RenameStmt") == 0 && rt && strcmp(rt, "OBJECT_COLUMN") == 0 && rel &&
		     strcmp(rel, "OBJECT_TABLE") == 0;
	int moved = strcmp(type, "AlterObjectSchemaStmt") == 0 && ot && strcmp(ot, "OBJECT_TABLE") == 0;
	char *name = (table || column || moved) && rv ? lint_rangevar(rv) : NULL;
	if (!name || lint_created_here(cx, name)) {
		free(name);
		return;
	}
	if (table) {
		rename_table(cx, node, rv, name);
	} else if (column) {
		rename_column(cx, node, rv, name);
	} else {
		size_t len;
		const char *s = lint_stmt_text(cx, &len);
		const char *schema = lint_str(node, "newschema"), *relname = lint_str(rv, "relname");
		char *target = lint_quote_name(schema ? schema : "?", relname ? relname : "?", NULL);
		char *stmt = xasprintf("%.*s;", (int)len, s);
		table_moved(cx, rv, name, stmt, target);
		free(target);
		free(stmt);
	}
	free(name);
}

static const struct lint_example examples[] = {
	{"ALTER TABLE messages RENAME TO posts;", 1, 0},
	{"alter table if exists only app.\"Messages\" rename to \"Posts\";", 1, 0},
	{"ALTER TABLE messages RENAME COLUMN body TO text;", 1, 0},
	{"ALTER TABLE app.messages RENAME \"Body\" TO body;", 1, 1},
	{"ALTER TABLE messages SET SCHEMA archive;", 1, 0},
	{"CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;\nALTER TABLE t RENAME TO u;", 0, 0},
	/* the created-here fact follows the table's renames and moves; its old name is some other table */
	{"CREATE TABLE app.t (a int);\nALTER TABLE app.t RENAME TO u;\nALTER TABLE u RENAME TO v;\n"
	 "ALTER TABLE app.v SET SCHEMA arch;\nALTER TABLE arch.v RENAME a TO b;",
	 0, 0},
	{"CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;\nALTER TABLE t RENAME TO w;", 1, 0},
	{"ALTER TABLE messages RENAME CONSTRAINT messages_check TO messages_body_check;", 0, 0},
	{"ALTER INDEX messages_idx RENAME TO messages_body_idx;", 0, 0},
	{"ALTER VIEW message_view RENAME TO post_view;", 0, 0},
	{"ALTER SEQUENCE messages_id_seq SET SCHEMA archive;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_rename = {
	.id = "rename",
	.reason = "the release still running names the old table or column: its queries fail until it is gone",
	.scale = LINT_IF_EXISTS,
	.large = LINT_WARNING,
	.check = check,
	.examples = examples,
};
