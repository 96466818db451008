/*
 * add_column_volatile_default.c: ADD COLUMN that fills every existing row
 * with its own value, so PostgreSQL rewrites the table under ACCESS
 * EXCLUSIVE (nothing reads or writes it meanwhile): a volatile default
 * (random(), clock_timestamp(), gen_random_uuid(), nextval(...)), a
 * serial type (its default is nextval), an identity column, a stored
 * generated column. A non-volatile default (a constant, now(),
 * CURRENT_TIMESTAMP, current_user) is computed once and stored in the
 * catalogue since PostgreSQL 11: no rewrite (measured on 15 by the
 * table's filenode).
 *
 * A function the rule does not know (a user's, an extension's) is taken as
 * volatile, as CREATE FUNCTION's default volatility is; a SQL function
 * PostgreSQL inlines to a constant does not rewrite after all (measured),
 * which the text cannot tell: the fix says so.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "xmem.h"

static const char *const volatile_fns[] = {
	"random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
	"uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7", "uuid_generate_v7", "gen_random_bytes",
	"nextval", "setval", "currval", "lastval", "txid_current", "pg_current_xact_id", NULL,
};

/* built-in STABLE or IMMUTABLE functions a default commonly calls: no rewrite */
static const char *const stable_fns[] = {
	"now", "statement_timestamp", "transaction_timestamp", "current_setting", "current_database",
	"current_schema", "lower", "upper", "btrim", "trim", "ltrim", "rtrim", "concat", "concat_ws", "md5",
	"length", "char_length", "substr", "substring", "replace", "left", "right", "date_trunc", "date_part",
	"to_timestamp", "to_date", "to_char", "to_number", "make_date", "make_time", "make_timestamp",
	"make_timestamptz", "make_interval", "timezone", "age", "jsonb_build_object", "json_build_object",
	"jsonb_build_array", "json_build_array", "to_json", "to_jsonb", "array_fill", "uuid_nil", "uuid_ns_url",
	"uuid_generate_v3", "uuid_generate_v5", "inet_client_addr", "pg_backend_pid", "abs", "round", "floor",
	"ceil", "greatest", "least", "nullif", "coalesce", "encode", "decode", "sha256", "format", NULL,
};

static int in(const char *name, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(set[i], name) == 0)
			return 1;
	return 0;
}

/* the first function call of expr that is volatile or unknown (its name in *fn), or NULL */
static const struct json_value *volatile_call(const struct json_value *v, char **fn)
{
	if (!v || (v->type != JSON_OBJECT && v->type != JSON_ARRAY))
		return NULL;
	const struct json_value *call = lint_node(v, "FuncCall");
	if (call) {
		char *name = lint_names(json_member(call, "funcname"));
		const char *bare = name && strncmp(name, "pg_catalog.", 11) == 0 ? name + 11 : name;
		if (name && !in(bare, stable_fns)) {
			*fn = name;
			return call;
		}
		free(name);
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct json_value *c = volatile_call(&v->items[i], fn);
		if (c)
			return c;
	}
	return NULL;
}

static int is_serial(const struct json_value *tn)
{
	static const char *const serials[] = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2",
					      NULL};
	char *n = lint_names(json_member(tn, "names"));
	const char *bare = n && strncmp(n, "pg_catalog.", 11) == 0 ? n + 11 : n;
	int yes = bare && in(bare, serials) && !json_member(tn, "arrayBounds");
	free(n);
	return yes;
}

/* serial's integer type: what the column is, without its default */
static const char *serial_int(const struct json_value *tn)
{
	char *n = lint_names(json_member(tn, "names"));
	const char *t = n && strstr(n, "big") ? "bigint" : n && (strstr(n, "small") || strstr(n, "2")) ? "smallint"
		: n && strstr(n, "8")                                                                   ? "bigint"
													: "integer";
	free(n);
	return t;
}

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

/* A command of an ALTER TABLE (lint_each_alter_cmd): an ADD COLUMN's ColumnDef is looked at. */
static void added(struct lint_ctx *cx, const struct lint_alter *a, const char *sub, const struct json_value *cmd)
{
	const struct json_value *col = lint_node(json_member(cmd, "def"), "ColumnDef");
	if (strcmp(sub, "AT_AddColumn") != 0 || !col)
		return;
	const char *table = a->table, *ttext = a->ttext;
	const struct json_value *rv = a->relation;
	const char *colname = lint_str(col, "colname");
	const struct json_value *tn = json_member(col, "typeName");
	if (!colname || !tn)
		return;
	size_t len;
	const char *text = lint_stmt_text(cx, &len);
	size_t tat = lint_offset(cx, tn);
	/* the type with its modifiers: up to the first constraint */
	size_t tend = lint_clause_end(text, len, tat);
	const struct json_value *cs = json_member(col, "constraints");
	for (size_t i = 0; cs && cs->type == JSON_ARRAY && i < cs->n; i++) {
		long long l = lint_int(lint_node(&cs->items[i], "Constraint"), "location", -1);
		if (l > (long long)tat && (size_t)l < tend)
			tend = (size_t)l;
	}
	char *type = lint_text_dup(text, tat, tend);
	char *qcol = lint_quote_ident(colname);
	const struct json_value *dflt = constraint_of(col, "CONSTR_DEFAULT"), *ident = constraint_of(col, "CONSTR_IDENTITY"),
				*gen = constraint_of(col, "CONSTR_GENERATED");
	char *fn = NULL;
	const struct json_value *call = dflt ? volatile_call(json_member(dflt, "raw_expr"), &fn) : NULL;
	const char *batches = "then fill the existing rows in batches in a -- pgboot:no-transaction file (UPDATE";
	const char *nn = constraint_of(col, "CONSTR_NOTNULL") && !ident
				 ? "; then make it NOT NULL without a long lock (see set-not-null)"
				 : "";
	if (is_serial(tn)) {
		char *seq = xasprintf("%s_%s_seq", lint_str(rv, "relname"), colname), *qseq = lint_quote_ident(seq);
		const char *schema = lint_str(rv, "schemaname");
		char *qschema = schema ? lint_quote_ident(schema) : xstrdup("");
		char *fullseq = xasprintf("%s%s%s", qschema, schema ? "." : "", qseq);
		lint_report(cx, col, table, "ACCESS EXCLUSIVE",
			    "ALTER TABLE %s ADD COLUMN %s %s; CREATE SEQUENCE %s OWNED BY %s.%s; ALTER TABLE %s ALTER "
			    "COLUMN %s SET DEFAULT nextval('%s'); %s %s SET %s = nextval('%s') WHERE %s IS NULL "
			    "AND <a range of keys>)%s",
			    ttext, qcol, serial_int(tn), fullseq, ttext, qcol, ttext, qcol, fullseq, batches, ttext, qcol,
			    fullseq, qcol, nn);
		free(fullseq);
		free(qschema);
		free(qseq);
		free(seq);
	} else if (ident) {
		lint_report(cx, ident, table, "ACCESS EXCLUSIVE",
			    "ALTER TABLE %s ADD COLUMN %s %s; %s %s SET %s = <a unique value> WHERE %s IS NULL AND <a range "
			    "of keys>), make it NOT NULL without a scan (see set-not-null), then ALTER TABLE %s ALTER "
			    "COLUMN %s ADD GENERATED BY DEFAULT AS IDENTITY (START WITH <max + 1>)",
			    ttext, qcol, type, batches, ttext, qcol, qcol, ttext, qcol);
	} else if (gen) {
		lint_report(cx, gen, table, "ACCESS EXCLUSIVE",
			    "ALTER TABLE %s ADD COLUMN %s %s; keep it computed with a trigger on INSERT and UPDATE, %s %s SET "
			    "%s = <the expression> WHERE <a range of keys>) (PostgreSQL 15 cannot make an existing column "
			    "generated without a rewrite)%s",
			    ttext, qcol, type, batches + 5, ttext, qcol, nn);
	} else if (call) {
		size_t dat = (size_t)lint_int(dflt, "location", 0);
		size_t dend = lint_clause_end(text, len, dat);
		for (size_t i = 0; cs && i < cs->n; i++) {
			long long l = lint_int(lint_node(&cs->items[i], "Constraint"), "location", -1);
			if (l > (long long)dat && (size_t)l < dend)
				dend = (size_t)l;
		}
		/* the default's expression as written: past the word DEFAULT (a named one starts at CONSTRAINT) */
		size_t dword = lint_word_at(text, dend, dat, "default");
		char *expr = lint_text_dup(text, lint_skip_tokens(text, len, dword == LINT_NO_OFFSET ? dat : dword, 1), dend);
		int known = in(strncmp(fn, "pg_catalog.", 11) == 0 ? fn + 11 : fn, volatile_fns);
		lint_report(cx, call, table, "ACCESS EXCLUSIVE",
			    "%s%s%sALTER TABLE %s ADD COLUMN %s %s; ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s; %s %s SET "
			    "%s = %s WHERE %s IS NULL AND <a range of keys>)%s",
			    known ? "" : "if ", known ? "" : fn,
			    known ? "" : " is VOLATILE (the default of CREATE FUNCTION; STABLE or IMMUTABLE would not "
					 "rewrite): ",
			    ttext, qcol, type, ttext, qcol, expr, batches, ttext, qcol, expr, qcol, nn);
		free(expr);
	}
	free(fn);
	free(qcol);
	free(type);
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	lint_each_alter_cmd(cx, type, node, added);
}

static const struct lint_example examples[] = {
	{"ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();", 1, 0},
	{"alter table app.\"Users\" add column \"Seen\" timestamptz default clock_timestamp(), add column id2 bigserial, "
	 "add column n int generated always as identity, add column d int generated always as (a * 2) stored;",
	 4, 0},
	{"ALTER TABLE users ADD COLUMN score float8 DEFAULT (random() * 10)::float8;", 1, 0},
	{"ALTER TABLE users ADD COLUMN k int DEFAULT nextval('users_k_seq');", 1, 0},
	{"ALTER TABLE users ADD COLUMN k int DEFAULT app.next_key();", 1, 0}, /* unknown: taken as volatile */
	/* non-volatile defaults: computed once, no rewrite */
	{"ALTER TABLE users ADD COLUMN created timestamptz NOT NULL DEFAULT now(), ADD COLUMN at timestamptz DEFAULT "
	 "CURRENT_TIMESTAMP, ADD COLUMN who text DEFAULT current_user, ADD COLUMN n int DEFAULT 0, ADD COLUMN t "
	 "text[] DEFAULT '{}', ADD COLUMN s text DEFAULT lower('X');",
	 0, 0},
	/* a table created earlier in the file: still found (the grading makes it info) */
	{"CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id bigserial;", 1, 0},
	{"CREATE TABLE t (id bigserial, u uuid DEFAULT gen_random_uuid());", 0, 0},
	{"ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_add_column_volatile_default = {
	.id = "add-column-volatile-default",
	.reason = "adding a column with a volatile default, a serial, identity or stored generated column rewrites "
		  "the whole table under ACCESS EXCLUSIVE, blocking reads and writes",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
