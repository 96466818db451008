/*
 * constraint_inline_index.c: ADD PRIMARY KEY or ADD UNIQUE (a table
 * constraint, or a column's PRIMARY KEY/UNIQUE in ADD COLUMN) on a table
 * that exists builds its index inside the ALTER TABLE, under ACCESS
 * EXCLUSIVE (measured on 15: ACCESS EXCLUSIVE and SHARE on the table), so
 * nothing reads or writes the table for the whole build. The safe way:
 * CREATE UNIQUE INDEX CONCURRENTLY outside a transaction, then ADD
 * CONSTRAINT ... USING INDEX, which only takes the index over.
 *
 * ADD CONSTRAINT ... EXCLUDE builds its index under ACCESS EXCLUSIVE too,
 * and has no USING INDEX form (PostgreSQL 15 takes over a unique btree
 * index only): no online way exists, and the fix says so (a quiet window
 * with a lock_timeout, or a new table built with the constraint and
 * swapped in).
 *
 * Not caught: ADD ... USING INDEX (the safe form; for a primary key its
 * columns must already be NOT NULL, or it scans to set them: the fix
 * says so).
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "strbuf.h"
#include "xmem.h"

static void report(struct lint_ctx *cx, const char *table, const char *ttext, const char *rel,
		   const struct json_value *con, const char *col)
{
	int pk = strcmp(lint_str(con, "contype"), "CONSTR_PRIMARY") == 0;
	const struct json_value *keys = json_member(con, "keys");
	char *cols = col ? lint_quote_ident(col) : lint_quote_list(keys, ", ");
	char *name;
	if (lint_str(con, "conname"))
		name = xstrdup(lint_str(con, "conname"));
	else if (pk)
		name = xasprintf("%s_pkey", rel);
	else if (col)
		name = xasprintf("%s_%s_key", rel, col);
	else
		name = lint_default_name(rel, keys, 0, "key");
	char *qname = lint_quote_ident(name);
	struct strbuf extra;
	strbuf_init(&extra);
	if (json_member(con, "including")) {
		char *inc = lint_quote_list(json_member(con, "including"), ", ");
		strbuf_addf(&extra, " INCLUDE (%s)", inc);
		free(inc);
	}
	if (lint_str(con, "indexspace")) {
		char *ts = lint_quote_ident(lint_str(con, "indexspace"));
		strbuf_addf(&extra, " TABLESPACE %s", ts);
		free(ts);
	}
	const char *deferrable = lint_true(con, "deferrable") ? (lint_true(con, "initdeferred") ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE") : "";
	lint_report(cx, con, table, "ACCESS EXCLUSIVE",
		    "%sCREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)%s; in a file of its own with -- "
		    "pgboot:no-transaction, then ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s%s;%s",
		    col ? "add the column without it first; then " : "", qname, ttext, cols, extra.len ? extra.buf : "",
		    ttext, qname, pk ? "PRIMARY KEY" : "UNIQUE", qname, deferrable,
		    pk ? " (its columns must be NOT NULL already, or this scans the table to make them so: see "
			 "set-not-null)"
		       : "");
	strbuf_free(&extra);
	free(qname);
	free(name);
	free(cols);
}

/* ADD [CONSTRAINT name] EXCLUDE ...: no USING INDEX form, so no online way; the honest options */
static void report_exclude(struct lint_ctx *cx, const char *table, const char *ttext, const struct json_value *con)
{
	size_t len;
	const char *text = lint_stmt_text(cx, &len);
	size_t at = lint_offset(cx, con);
	char *body = lint_text_dup(text, at, lint_clause_end(text, len, at));
	lint_report(cx, con, table, "ACCESS EXCLUSIVE",
		    "there is no online way: an EXCLUDE constraint always builds its own index inside the ALTER TABLE "
		    "(PostgreSQL has no ADD CONSTRAINT ... EXCLUDE USING INDEX, and CREATE INDEX CONCURRENTLY beforehand "
		    "does not help). Either run it in a quiet window, failing fast rather than queueing every query "
		    "behind it: SET lock_timeout = '5s'; ALTER TABLE %s ADD %s; (retried until it gets the lock; the "
		    "build still blocks reads and writes while it lasts), or build a new table that has it: CREATE TABLE "
		    "<new> (LIKE %s INCLUDING ALL, %s); copy the rows in batches, keep it in step with a trigger, and "
		    "swap the two by RENAME in a later migration",
		    ttext, body, ttext, body);
	free(body);
}

static int is_exclusion(const struct json_value *con)
{
	const char *t = lint_str(con, "contype");
	return t && strcmp(t, "CONSTR_EXCLUSION") == 0;
}

static int inline_index(const struct json_value *con)
{
	const char *t = lint_str(con, "contype");
	return t && (strcmp(t, "CONSTR_PRIMARY") == 0 || strcmp(t, "CONSTR_UNIQUE") == 0) && !lint_str(con, "indexname");
}

static void command(struct lint_ctx *cx, const struct lint_alter *a, const char *sub, const struct json_value *cmd)
{
	const struct json_value *def = json_member(cmd, "def");
	const struct json_value *con = lint_node(def, "Constraint"), *col = lint_node(def, "ColumnDef");
	if (strcmp(sub, "AT_AddConstraint") == 0 && con && inline_index(con))
		report(cx, a->table, a->ttext, a->rel, con, NULL);
	else if (strcmp(sub, "AT_AddConstraint") == 0 && con && is_exclusion(con))
		report_exclude(cx, a->table, a->ttext, con);
	else if (strcmp(sub, "AT_AddColumn") == 0 && col) {
		const struct json_value *cs = json_member(col, "constraints");
		for (size_t k = 0; cs && cs->type == JSON_ARRAY && k < cs->n; k++) {
			const struct json_value *c = lint_node(&cs->items[k], "Constraint");
			if (c && inline_index(c))
				report(cx, a->table, a->ttext, a->rel, c, lint_str(col, "colname"));
		}
	}
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	lint_each_alter_cmd(cx, type, node, command);
}

static const struct lint_example examples[] = {
	{"ALTER TABLE users ADD PRIMARY KEY (id);", 1, 0},
	{"alter table app.\"Users\" add constraint \"Users_email\" unique (\"E-mail\", org) deferrable, add column n int, "
	 "add unique (code) include (name) with (fillfactor = 70) using index tablespace fast;",
	 2, 0},
	{"ALTER TABLE users ADD COLUMN code text UNIQUE, ADD COLUMN id2 bigint PRIMARY KEY;", 2, 0},
	/* a table created earlier in the file: still found (the grading makes it info) */
	{"CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (a);", 1, 0},
	/* the safe form */
	{"ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;\n"
	 "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;",
	 0, 0},
	/* EXCLUDE: no USING INDEX form, reported all the same */
	{"ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&), "
	 "ADD EXCLUDE (code WITH =) WHERE (active);",
	 2, 0},
	{"CREATE TABLE t (id int PRIMARY KEY, code text UNIQUE);", 0, 0},
	{"CREATE TABLE b (r int4range, EXCLUDE USING gist (r WITH &&));", 0, 0},
	{"ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0);", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_constraint_inline_index = {
	.id = "constraint-inline-index",
	.reason = "ADD PRIMARY KEY or UNIQUE without USING INDEX, or ADD EXCLUDE, builds the index under ACCESS "
		  "EXCLUSIVE, blocking reads and writes for the whole build",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
