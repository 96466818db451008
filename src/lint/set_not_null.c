/*
 * set_not_null.c: ALTER COLUMN ... SET NOT NULL scans the whole table for
 * a NULL while it holds ACCESS EXCLUSIVE (nothing reads or writes the table
 * meanwhile). Since PostgreSQL 12 the scan is skipped when a valid CHECK
 * constraint proves the column is not null: "col IS NOT NULL", "NOT (col IS
 * NULL)", or such a test among the ANDs of the CHECK (measured on 15: a
 * strict "col > 0" does not count, a NOT VALID CHECK does not either).
 *
 * So no finding when an earlier statement of the pending run (any pending
 * file before this one) added such a CHECK and it is valid: added without
 * NOT VALID, or VALIDATEd since, and not dropped since. The facts are kept
 * for the whole run with lint_remember; tables are matched by their name
 * without the schema. Not seen: a CHECK already in the database (applied
 * by an earlier migration): the rule sees only the pending text, so the
 * last step of the three, pending alone, is still found (silence it with
 * a lint-ignore and the reason).
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "strbuf.h"
#include "xmem.h"

/* The columns a CHECK expression proves not null, each followed by '\n' (added to sb). */
static void not_null_columns(const struct json_value *expr, struct strbuf *sb)
{
	const struct json_value *nt = lint_node(expr, "NullTest"), *be = lint_node(expr, "BoolExpr");
	if (nt) {
		const char *kind = lint_str(nt, "nulltesttype");
		const struct json_value *fields = json_member(lint_node(json_member(nt, "arg"), "ColumnRef"), "fields");
		const char *col = fields && fields->n == 1 ? lint_str(lint_node(&fields->items[0], "String"), "sval") : NULL;
		if (col && kind && strcmp(kind, "IS_NOT_NULL") == 0)
			strbuf_addf(sb, "%s\n", col);
		return;
	}
	const char *op = lint_str(be, "boolop");
	const struct json_value *args = json_member(be, "args");
	if (!op || !args || args->type != JSON_ARRAY)
		return;
	if (strcmp(op, "AND_EXPR") == 0) {
		for (size_t i = 0; i < args->n; i++)
			not_null_columns(&args->items[i], sb);
	} else if (strcmp(op, "NOT_EXPR") == 0 && args->n == 1) {
		/* NOT (col IS NULL) */
		const struct json_value *inner = lint_node(&args->items[0], "NullTest");
		const char *kind = lint_str(inner, "nulltesttype");
		const struct json_value *fields =
			json_member(lint_node(json_member(inner, "arg"), "ColumnRef"), "fields");
		const char *col = fields && fields->n == 1 ? lint_str(lint_node(&fields->items[0], "String"), "sval") : NULL;
		if (col && kind && strcmp(kind, "IS_NULL") == 0)
			strbuf_addf(sb, "%s\n", col);
	}
}

static char *key(const char *kind, const char *rel, const char *name)
{
	return xasprintf("%s\x1f%s\x1f%s", kind, rel, name);
}

/* the columns cols of rel are proven not null by the valid constraint con (proven: 1), or no longer by it (0) */
static void set_proven(struct lint_ctx *cx, const char *rel, const char *cols, const char *con, int proven)
{
	for (const char *c = cols; *c;) {
		const char *nl = strchr(c, '\n');
		char *col = xstrndup(c, (size_t)(nl - c));
		char *k = key("nn", rel, col);
		const char *was = lint_recall(cx, k);
		if (proven)
			lint_remember(cx, k, con);
		else if (was && strcmp(was, con) == 0)
			lint_remember(cx, k, NULL);
		free(k);
		free(col);
		c = nl + 1;
	}
}

static void added_check(struct lint_ctx *cx, const char *rel, const struct json_value *con, const char *colname)
{
	struct strbuf cols;
	strbuf_init(&cols);
	not_null_columns(json_member(con, "raw_expr"), &cols);
	if (cols.len) {
		const char *n = lint_str(con, "conname");
		char *dflt = NULL;
		if (!n) {
			/* PostgreSQL names it after the first column: that is the one a NullTest names here */
			char *first = xstrndup(cols.buf, strcspn(cols.buf, "\n"));
			dflt = xasprintf("%s_%s_check", rel, colname ? colname : first);
			free(first);
		}
		char *k = key("con", rel, n ? n : dflt);
		lint_remember(cx, k, cols.buf);
		if (!lint_true(con, "skip_validation"))
			set_proven(cx, rel, cols.buf, n ? n : dflt, 1);
		free(k);
		free(dflt);
	}
	strbuf_free(&cols);
}

static void constraint_changed(struct lint_ctx *cx, const char *rel, const char *name, int validated)
{
	char *k = key("con", rel, name);
	const char *cols = lint_recall(cx, k);
	if (cols) {
		char *copy = xstrdup(cols);
		set_proven(cx, rel, copy, name, validated);
		if (!validated)
			lint_remember(cx, k, NULL);
		free(copy);
	}
	free(k);
}

static void set_not_null(struct lint_ctx *cx, const char *table, const char *ttext, const char *rel,
			 const char *col)
{
	char *k = key("nn", rel, col);
	int proven = lint_recall(cx, k) != NULL;
	free(k);
	if (proven)
		return;
	char *n = xasprintf("%s_%s_not_null", rel, col);
	char *qn = lint_quote_ident(n), *qcol = lint_quote_ident(col);
	lint_report(cx, NULL, table, "ACCESS EXCLUSIVE",
		    "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; then, in a later migration: "
		    "ALTER TABLE %s VALIDATE CONSTRAINT %s; then, in a later one: ALTER TABLE %s ALTER COLUMN %s SET NOT "
		    "NULL; ALTER TABLE %s DROP CONSTRAINT %s; (the validation scans under SHARE UPDATE EXCLUSIVE, which "
		    "blocks no reads or writes, and PostgreSQL 12+ then sets NOT NULL without a scan)",
		    ttext, qn, qcol, ttext, qn, ttext, qcol, ttext, qn);
	free(qcol);
	free(qn);
	free(n);
}

static int is_check(const struct json_value *con)
{
	const char *t = lint_str(con, "contype");
	return t && strcmp(t, "CONSTR_CHECK") == 0;
}

static void command(struct lint_ctx *cx, const struct lint_alter *a, const char *sub, const struct json_value *cmd)
{
	const char *rel = a->rel, *name = lint_str(cmd, "name");
	const struct json_value *def = json_member(cmd, "def");
	const struct json_value *con = lint_node(def, "Constraint"), *col = lint_node(def, "ColumnDef");
	if (strcmp(sub, "AT_SetNotNull") == 0 && name)
		set_not_null(cx, a->table, a->ttext, rel, name);
	else if (strcmp(sub, "AT_AddConstraint") == 0 && is_check(con))
		added_check(cx, rel, con, NULL);
	else if (strcmp(sub, "AT_ValidateConstraint") == 0 && name)
		constraint_changed(cx, rel, name, 1);
	else if (strcmp(sub, "AT_DropConstraint") == 0 && name)
		constraint_changed(cx, rel, name, 0);
	else if (strcmp(sub, "AT_AddColumn") == 0 && col) {
		const struct json_value *cs = json_member(col, "constraints");
		for (size_t i = 0; cs && cs->type == JSON_ARRAY && i < cs->n; i++) {
			const struct json_value *c = lint_node(&cs->items[i], "Constraint");
			if (is_check(c))
				added_check(cx, rel, c, lint_str(col, "colname"));
		}
	}
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	lint_each_alter_cmd(cx, type, node, command);
}

static const struct lint_example examples[] = {
	{"ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 1, 0},
	{"alter table app.\"Users\" alter \"E-mail\" set not null, alter name set not null, alter age drop not null;", 2,
	 0},
	/* a table created earlier in the file: still found (the grading makes it info) */
	{"CREATE TABLE users (email text);\nALTER TABLE users ALTER email SET NOT NULL;", 1, 0},
	/* the three steps: no scan, nothing to find */
	{"ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
	 "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
	 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
	 "ALTER TABLE users DROP CONSTRAINT email_nn;",
	 0, 1},
	/* a CHECK added valid proves it too; an unnamed one is VALIDATEd by the name PostgreSQL gives it */
	{"ALTER TABLE users ADD CHECK (email IS NOT NULL AND name IS NOT NULL);\n"
	 "ALTER TABLE users ALTER email SET NOT NULL, ALTER name SET NOT NULL;",
	 0, 0},
	{"ALTER TABLE users ADD CHECK (NOT (email IS NULL)) NOT VALID;\n"
	 "ALTER TABLE users VALIDATE CONSTRAINT users_email_check;\n"
	 "ALTER TABLE users ALTER email SET NOT NULL;",
	 0, 1},
	/* not validated, dropped before, another column, a CHECK that proves nothing: the scan happens */
	{"ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
	 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
	 1, 1},
	{"ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL);\n"
	 "ALTER TABLE users DROP CONSTRAINT email_nn;\n"
	 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
	 1, 1},
	{"ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL);\n"
	 "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\n"
	 "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;",
	 2, 1},
	{"ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0);\nALTER TABLE users ALTER age SET NOT NULL;", 1, 1},
	{"ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", 0, 0},
	{"CREATE TABLE users (email text NOT NULL);", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_set_not_null = {
	.id = "set-not-null",
	.reason = "SET NOT NULL scans the whole table while it holds ACCESS EXCLUSIVE, blocking reads and writes",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
