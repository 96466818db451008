/*
 * add_column_not_null_no_default.c: ALTER TABLE ... ADD COLUMN ... NOT NULL
 * with no DEFAULT: every existing row
 * would hold NULL, so on a table with rows the statement fails at once
 * ("column ... contains null values") and the migration with it. Squawk
 * calls it adding-required-field. An identity column, a generated column
 * and a serial type fill the existing rows, so they do not fail; DEFAULT
 * NULL is no default. A table the run created is empty (info). A new
 * column's PRIMARY KEY fails the same way, but no DEFAULT would do (the
 * values must differ): constraint-inline-index reports it.
 *
 * It takes no long lock: it fails. On a live database pgboot grades it an
 * error whenever the table exists (an empty table would take it; the
 * estimate of pg_class cannot promise emptiness).
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "xmem.h"

/* the column's constraint of type contype, or NULL */
static const struct json_value *constraint_of(const struct json_value *col, const char *contype)
{
	const struct json_value *cs = json_member(col, "constraints");
	for (size_t i = 0; cs && cs->type == JSON_ARRAY && i < cs->n; i++) {
		const struct json_value *c = lint_node(&cs->items[i], "Constraint");
		const char *t = lint_str(c, "contype");
		if (t && strcmp(t, contype) == 0)
			return c;
	}
	return NULL;
}

/* a DEFAULT that gives the existing rows a value: not DEFAULT NULL */
static int fills_rows(const struct json_value *col)
{
	const struct json_value *d = constraint_of(col, "CONSTR_DEFAULT");
	if (!d)
		return 0;
	const struct json_value *c = lint_node(json_member(d, "raw_expr"), "A_Const");
	return !(c && lint_true(c, "isnull"));
}

static int is_serial(const struct json_value *tn)
{
	static const char *const serials[] = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8",
					      NULL};
	char *name = lint_names(json_member(tn, "names"));
	int found = 0;
	for (size_t i = 0; name && serials[i] && !found; i++)
		found = strcmp(name, serials[i]) == 0;
	free(name);
	return found;
}

/* A command of an ALTER TABLE (lint_each_alter_cmd): an ADD COLUMN's ColumnDef is looked at. */
static void added(struct lint_ctx *cx, const struct lint_alter *a, const char *sub, const struct json_value *cmd)
{
	const struct json_value *col = lint_node(json_member(cmd, "def"), "ColumnDef");
	if (strcmp(sub, "AT_AddColumn") != 0 || !col)
		return;
	const char *table = a->table, *ttext = a->ttext, *rel = a->rel;
	const char *colname = lint_str(col, "colname");
	const struct json_value *tn = json_member(col, "typeName");
	const struct json_value *nn = constraint_of(col, "CONSTR_NOTNULL");
	if (!colname || !tn || !nn || fills_rows(col) || constraint_of(col, "CONSTR_IDENTITY") ||
	    constraint_of(col, "CONSTR_GENERATED") || is_serial(tn))
		return;
	size_t len;
	const char *text = lint_stmt_text(cx, &len);
	size_t cat = lint_offset(cx, col), tat = lint_offset(cx, tn);
	size_t cend = lint_clause_end(text, len, cat), tend = cend;
	/* the type with its modifiers: up to the column's first constraint (or COLLATE) */
	const struct json_value *cs = json_member(col, "constraints");
	for (size_t i = 0; cs && cs->type == JSON_ARRAY && i < cs->n; i++) {
		long long l = lint_int(lint_node(&cs->items[i], "Constraint"), "location", -1);
		if (l > (long long)tat && (size_t)l < tend)
			tend = (size_t)l;
	}
	size_t coll = lint_word_at(text, tend, tat, "collate");
	if (coll != LINT_NO_OFFSET)
		tend = coll;
	char *def = lint_text_dup(text, cat, cend), *type = lint_text_dup(text, tat, tend);
	char *qcol = lint_quote_ident(colname), *cname = xasprintf("%s_%s_not_null", rel, colname);
	char *qcname = lint_quote_ident(cname);
	lint_report(cx, nn, table, "ACCESS EXCLUSIVE",
		    "give the existing rows a value: ALTER TABLE %s ADD COLUMN %s DEFAULT <a value>; (a constant "
		    "default is stored once, no rewrite since PostgreSQL 11; it also keeps the release still running, "
		    "which does not write %s, inserting); or add it nullable, ALTER TABLE %s ADD COLUMN %s %s; fill it "
		    "in batches in a -- pgboot:no-transaction file (UPDATE %s SET %s = <a value> WHERE %s IS NULL AND "
		    "<a range of keys>), then ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; and "
		    "in later migrations VALIDATE CONSTRAINT %s, SET NOT NULL and DROP CONSTRAINT %s (see "
		    "set-not-null)",
		    ttext, def, qcol, ttext, qcol, type, ttext, qcol, qcol, ttext, qcname, qcol, qcname, qcname);
	free(qcname);
	free(cname);
	free(qcol);
	free(type);
	free(def);
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	lint_each_alter_cmd(cx, type, node, added);
}

static const struct lint_example examples[] = {
	{"ALTER TABLE users ADD COLUMN org_id bigint NOT NULL;", 1, 0},
	{"alter table app.\"Users\" add \"Code\" varchar(10) collate \"C\" not null references codes, "
	 "add column n int default null not null, add column k int primary key;",
	 2, 0},
	/* a table the run created: found (graded info) */
	{"CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN c text NOT NULL;", 1, 0},
	/* the existing rows get a value */
	{"ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0, ADD COLUMN at timestamptz NOT NULL DEFAULT now(), "
	 "ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY, ADD COLUMN s bigserial NOT NULL, "
	 "ADD COLUMN g int NOT NULL GENERATED ALWAYS AS (n + 1) STORED;",
	 0, 0},
	{"ALTER TABLE users ADD COLUMN note text;\nALTER TABLE users ALTER note SET NOT NULL;", 0, 0},
	{"CREATE TABLE t (id int NOT NULL);", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_add_column_not_null_no_default = {
	.id = "add-column-not-null-no-default",
	.reason = "ADD COLUMN ... NOT NULL without a DEFAULT fails on a table with rows (each would be NULL): the "
		  "migration fails",
	.scale = LINT_IF_EXISTS,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
