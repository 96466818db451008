/*
 * mass_update_delete.c: an UPDATE or DELETE without a WHERE clause (or with
 * one that is always true) on an existing table: every row is locked and
 * written (a new version of each, or each marked deleted) in one
 * transaction, which blocks every other writer of those rows and leaves
 * the whole table's dead rows for VACUUM at once.
 *
 * Also in a no-transaction file: a single statement is a transaction of
 * its own there, so it is just as heavy; only batches that commit help.
 * The data-modifying queries of a WITH clause count too.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint.h"
#include "lint_written.h"
#include "strbuf.h"

#define BATCH "10000"

/* 1 when v holds a node of one of the types (a column, a function call ...: not a constant). */
static int holds(const struct json_value *v, const char *const *types)
{
	if (!v)
		return 0;
	if (v->type == JSON_OBJECT)
		for (size_t i = 0; i < v->n; i++) {
			for (size_t k = 0; types[k]; k++)
				if (strcmp(v->keys[i], types[k]) == 0)
					return 1;
			if (holds(&v->items[i], types))
				return 1;
		}
	if (v->type == JSON_ARRAY)
		for (size_t i = 0; i < v->n; i++)
			if (holds(&v->items[i], types))
				return 1;
	return 0;
}

static int true_text(const char *s)
{
	static const char *const yes[] = {"t", "true", "y", "yes", "on", "1", NULL};
	for (size_t i = 0; s && yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	return 0;
}

/* WHERE true, WHERE 't'::boolean, WHERE 1 = 1, and ANDs of those. */
static int always_true(const struct json_value *w)
{
	const struct json_value *c = lint_node(w, "A_Const"), *tc = lint_node(w, "TypeCast");
	const struct json_value *e = lint_node(w, "A_Expr"), *b = lint_node(w, "BoolExpr");
	if (c)
		return lint_true(json_member(c, "boolval"), "boolval");
	if (tc) {
		char *ty = lint_names(json_member(json_member(tc, "typeName"), "names"));
		const char *s = lint_str(json_member(lint_node(json_member(tc, "arg"), "A_Const"), "sval"), "sval");
		int yes = ty && (strcmp(ty, "pg_catalog.bool") == 0 || strcmp(ty, "bool") == 0) && true_text(s);
		free(ty);
		return yes;
	}
	if (e) {
		const struct json_value *l = lint_node(json_member(e, "lexpr"), "A_Const");
		const struct json_value *r = lint_node(json_member(e, "rexpr"), "A_Const");
		char *op = lint_names(json_member(e, "name"));
		int yes = op && strcmp(op, "=") == 0 && l && r && json_member(l, "ival") && json_member(r, "ival") &&
			  lint_int(json_member(l, "ival"), "ival", 0) == lint_int(json_member(r, "ival"), "ival", 0);
		free(op);
		return yes;
	}
	if (b && lint_str(b, "boolop") && strcmp(lint_str(b, "boolop"), "AND_EXPR") == 0) {
		const struct json_value *args = json_member(b, "args");
		for (size_t i = 0; args && i < args->n; i++)
			if (!always_true(&args->items[i]))
				return 0;
		return 1;
	}
	return 0;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/*
 * "col IS DISTINCT FROM (expr) OR ..." for an UPDATE whose SET values are
 * constants: the rows not yet updated. NULL when a value depends on the row
 * (col = col + 1) or a target is not a plain column.
 */
static char *not_done(const struct lint_ctx *cx, const struct json_value *targets)
{
	static const char *const varying[] = {"ColumnRef", "FuncCall", "SubLink", "SetToDefault", "MultiAssignRef",
					      "ParamRef", NULL};
	size_t len;
	const char *s = lint_stmt_text(cx, &len);
	struct strbuf b;
	if (!targets || targets->type != JSON_ARRAY || targets->n == 0)
		return NULL;
	strbuf_init(&b);
	for (size_t k = 0; k < targets->n; k++) {
		const struct json_value *t = lint_node(&targets->items[k], "ResTarget");
		const char *name = lint_str(t, "name");
		size_t i = lint_offset(cx, t), end = len;
		if (!name || json_member(t, "indirection") || holds(json_member(t, "val"), varying))
			goto none;
		i = skip_space(s, len, lint_ident_end(s, len, i));
		if (i >= len || s[i] != '=')
			goto none;
		i = skip_space(s, len, i + 1);
		if (k + 1 < targets->n)
			end = lint_offset(cx, lint_node(&targets->items[k + 1], "ResTarget"));
		while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\n' || s[end - 1] == '\r' ||
				   s[end - 1] == ','))
			end--;
		if (end <= i)
			goto none;
		char *col = lint_quote_ident(name);
		strbuf_addf(&b, "%s%s IS DISTINCT FROM (%.*s)", k ? " OR " : "", col, (int)(end - i), s + i);
		free(col);
	}
	return strbuf_detach(&b);
none:
	strbuf_free(&b);
	return NULL;
}

/* A comment that could swallow what follows it, or the block's own quote tag. */
static int unsafe_to_repeat(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if ((s[i] == '-' && s[i + 1] == '-') || (s[i] == '/' && s[i + 1] == '*') ||
		    (i + 7 <= len && memcmp(s + i, "$batch$", 7) == 0))
			return 1;
	return 0;
}

static const char *file_note(const struct lint_ctx *cx)
{
	return lint_no_transaction(cx) ? "this file runs without a transaction, so the block can commit each batch"
				       : "in a file of its own with -- pgboot:no-transaction: a DO block can commit "
					 "between batches only outside a transaction block";
}

static void report_update(struct lint_ctx *cx, const struct json_value *n, const char *name, const char *t,
			  const char *only, int top)
{
	size_t len;
	const char *s = lint_stmt_text(cx, &len);
	/* the statement's own text is repeated in the block: not when it could break the block */
	int simple = top && !json_member(n, "fromClause") && !json_member(n, "returningList") &&
		     !json_member(n, "withClause") && !json_member(n, "whereClause") && !unsafe_to_repeat(s, len);
	char *cond = simple ? not_done(cx, json_member(n, "targetList")) : NULL;
	if (cond)
		lint_report(cx, json_member(n, "relation"), name, "ROW EXCLUSIVE",
			    "update it in batches that each commit: DO $batch$ DECLARE n bigint; BEGIN LOOP %.*s WHERE "
			    "ctid = ANY (ARRAY(SELECT ctid FROM %s%s WHERE %s LIMIT " BATCH ")) AND (%s); GET "
			    "DIAGNOSTICS n = ROW_COUNT; EXIT WHEN n = 0; COMMIT; END LOOP; END $batch$; (%s)",
			    (int)len, s, only, t, cond, cond, file_note(cx));
	else
		lint_report(cx, json_member(n, "relation"), name, "ROW EXCLUSIVE",
			    "update it in batches that each commit: DO $batch$ DECLARE n bigint; BEGIN LOOP UPDATE %s%s "
			    "SET ... WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s%s WHERE <not yet updated> LIMIT " BATCH
			    ")) AND <not yet updated>; GET DIAGNOSTICS n = ROW_COUNT; EXIT WHEN n = 0; COMMIT; END "
			    "LOOP; END $batch$; with a condition true only for the rows still to change (%s)",
			    only, t, only, t, file_note(cx));
	free(cond);
}

static void consider(struct lint_ctx *cx, const char *type, const struct json_value *n, int top)
{
	const struct json_value *rv = json_member(n, "relation");
	if (!rv || (json_member(n, "whereClause") && !always_true(json_member(n, "whereClause"))))
		return;
	char *name = lint_rangevar(rv);
	if (!name || lint_created_here(cx, name)) {
		free(name);
		return;
	}
	char *t = lint_written(cx, rv);
	const char *only = lint_true(rv, "inh") ? "" : "ONLY ";
	if (strcmp(type, "UpdateStmt") == 0)
		report_update(cx, n, name, t, only, top);
	else
		lint_report(cx, rv, name, "ROW EXCLUSIVE",
			    "delete in batches that each commit: DO $batch$ DECLARE n bigint; BEGIN LOOP DELETE FROM %s%s "
			    "WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s%s LIMIT " BATCH ")); GET DIAGNOSTICS n = "
			    "ROW_COUNT; EXIT WHEN n = 0; COMMIT; END LOOP; END $batch$; (%s)%s",
			    only, t, only, t, file_note(cx),
			    json_member(n, "usingClause") ? "; the USING list is left out: without a join condition "
							    "this DELETE removes every row as soon as those tables have one"
							  : "");
	free(t);
	free(name);
}

static int dml(const char *type)
{
	return type && (strcmp(type, "UpdateStmt") == 0 || strcmp(type, "DeleteStmt") == 0);
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	const struct json_value *ctes = json_member(json_member(node, "withClause"), "ctes");
	if (dml(type))
		consider(cx, type, node, 1);
	for (size_t i = 0; ctes && ctes->type == JSON_ARRAY && i < ctes->n; i++) {
		const struct json_value *q = json_member(lint_node(&ctes->items[i], "CommonTableExpr"), "ctequery");
		const char *t = lint_node_type(q);
		if (dml(t))
			consider(cx, t, lint_node(q, t), 0);
	}
}

static const struct lint_example examples[] = {
	{"UPDATE messages SET archived = true;", 1, 0},
	{"update app.\"Messages\" as m set archived = true, note = 'x, y';", 1, 0},
	{"UPDATE messages SET n = n + 1 WHERE true;", 1, 0},
	{"UPDATE messages SET archived = true -- all of them\n;", 1, 0},
	{"UPDATE messages SET archived = true WHERE 't'::boolean AND 1 = 1;", 1, 0},
	{"DELETE FROM ONLY messages;", 1, 0},
	{"DELETE FROM messages USING users;", 1, 0},
	{"DELETE FROM messages;", 1, 1},
	{"WITH d AS (DELETE FROM messages RETURNING *) INSERT INTO old_messages SELECT * FROM d;", 1, 0},
	{"UPDATE messages SET archived = true WHERE created < now() - interval '1 year';", 0, 0},
	{"UPDATE messages SET archived = true WHERE 1 = 2;", 0, 0},
	{"DELETE FROM messages WHERE false;", 0, 0},
	{"DELETE FROM messages WHERE id IN (SELECT id FROM messages LIMIT 10000);", 0, 1},
	{"CREATE TABLE t (id int, a int);\nUPDATE t SET a = 1;\nDELETE FROM t;", 0, 0},
	{"INSERT INTO messages SELECT * FROM old_messages;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_mass_update_delete = {
	.id = "mass-update-delete",
	.reason = "locks and writes every row of the table in one transaction: its other writers wait for the end",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
