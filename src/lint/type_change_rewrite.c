/*
 * type_change_rewrite.c: ALTER COLUMN ... TYPE that rewrites the table and
 * rebuilds its indexes under ACCESS EXCLUSIVE (nothing reads or writes the
 * table meanwhile).
 *
 * Which changes do not rewrite (PostgreSQL 15, each measured by the table's
 * filenode before and after): the same type; varchar(n) to varchar(m >= n),
 * to varchar or to text; text to varchar or bpchar without a length;
 * varchar to bpchar without a length; numeric(p,s) to numeric(q >= p,s) or
 * to numeric; timestamp(p), timestamptz(p), time(p), timetz(p) to a larger
 * or no precision; interval widened (interval_support's rule); varbit(n)
 * to a larger or no length; bit(n) to varbit; cidr to inet; xml to text;
 * among int4, oid and the reg* types; a new collation. Everything else
 * rewrites: char(n) to char(m), bpchar to text, int to bigint, any array
 * type change (even varchar(10)[] to text[]), a USING that computes
 * (USING col or col::type does not count). timestamp to timestamptz and
 * back skips the rewrite only when the session's TimeZone is UTC: graded as
 * a rewrite, the fix says so.
 *
 * The old type comes from the pending statements (CREATE TABLE, ADD
 * COLUMN, an earlier ALTER ... TYPE, RENAME COLUMN), kept for the run with
 * lint_remember; tables matched by name without the schema. When no
 * pending statement gave it, the finding says the old type is not known
 * from the text (and is graded like any other); online, the column's type
 * on the server decides (lint_report_recheck): a change that does not
 * rewrite on it is no finding, one that does says the type it rewrites.
 * Not when the run renamed another column to this name (the server's
 * column of the name is not the one altered) or the table (lint.c).
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "strbuf.h"
#include "xmem.h"

struct coltype {
	char name[160]; /* "varchar", "int4", "public.mytype" (two names of NAMEDATALEN) */
	long mods[2];
	int nmods;      /* -1: typmods the rule cannot read (a user type's) */
	int array;
};

static void type_of(const struct json_value *tn, struct coltype *t)
{
	memset(t, 0, sizeof(*t));
	char *names = lint_names(json_member(tn, "names"));
	const char *n = names ? names : "?";
	if (strncmp(n, "pg_catalog.", 11) == 0)
		n += 11;
	snprintf(t->name, sizeof(t->name), "%s", n);
	free(names);
	const struct json_value *mods = json_member(tn, "typmods");
	for (size_t i = 0; mods && mods->type == JSON_ARRAY && i < mods->n; i++) {
		const struct json_value *c = lint_node(&mods->items[i], "A_Const");
		const struct json_value *iv = json_member(c, "ival");
		if (!iv || i >= 2) {
			t->nmods = -1;
			break;
		}
		t->mods[t->nmods++] = lint_int(iv, "ival", 0);
	}
	t->array = json_member(tn, "arrayBounds") != NULL;
}

/* what lint_remember keeps for a column renamed in the run from one whose type the text does not give */
#define RENAMED_UNKNOWN "?"

/* "name|m1,m2|[]": what lint_remember keeps */
static char *encode(const struct coltype *t)
{
	return xasprintf("%s|%d,%ld,%ld|%d", t->name, t->nmods, t->mods[0], t->mods[1], t->array);
}

static int decode(const char *s, struct coltype *t)
{
	memset(t, 0, sizeof(*t));
	const char *bar = strchr(s, '|');
	if (!bar || (size_t)(bar - s) >= sizeof(t->name))
		return -1;
	memcpy(t->name, s, (size_t)(bar - s));
	return sscanf(bar + 1, "%d,%ld,%ld|%d", &t->nmods, &t->mods[0], &t->mods[1], &t->array) == 4 ? 0 : -1;
}

static int is(const struct coltype *t, const char *name)
{
	return strcmp(t->name, name) == 0;
}

static int in(const char *name, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(set[i], name) == 0)
			return 1;
	return 0;
}

/* a length or precision limit that grows or goes: varchar, varbit, and the temporal types up to max */
static int widened(const struct coltype *o, const struct coltype *n, long max)
{
	return n->nmods == 0 || (max && n->mods[0] >= max) || (o->nmods == 1 && o->mods[0] <= n->mods[0]);
}

static int numeric_widened(const struct coltype *o, const struct coltype *n)
{
	if (n->nmods == 0)
		return 1;
	if (o->nmods == 0)
		return 0;
	long os = o->nmods > 1 ? o->mods[1] : 0, ns = n->nmods > 1 ? n->mods[1] : 0;
	return os == ns && n->mods[0] >= o->mods[0];
}

/* interval_support (timestamp.c): the least field stays or decreases, the precision stays or grows */
static int least_field(const struct coltype *t)
{
	static const long masks[] = {1L << 12, 1L << 11, 1L << 10, 1L << 3, 1L << 1, 1L << 2};
	if (t->nmods == 0)
		return 0;
	for (int i = 0; i < 6; i++)
		if (t->mods[0] & masks[i])
			return i;
	return 0;
}

static int interval_widened(const struct coltype *o, const struct coltype *n)
{
	if (n->nmods == 0)
		return 1;
	long op = o->nmods == 2 ? o->mods[1] : 0xFFFF, np = n->nmods == 2 ? n->mods[1] : 0xFFFF;
	int ol = least_field(o), nl = least_field(n);
	return nl <= ol && (ol > 0 || np >= 6 || np >= op);
}

static const char *const oid_family[] = {"int4", "oid", "regproc", "regprocedure", "regoper", "regoperator",
					  "regclass", "regtype", "regconfig", "regdictionary", "regrole",
					  "regnamespace", "regcollation", NULL};
static const char *const temporal[] = {"timestamp", "timestamptz", "time", "timetz", NULL};

/* 1 when changing o to n rewrites the table */
static int rewrites(const struct coltype *o, const struct coltype *n)
{
	if (o->nmods < 0 || n->nmods < 0) /* typmods the rule cannot read (geometry(Point,4326)): a cast may rewrite */
		return 1;
	if (o->array || n->array)
		return !(is(o, n->name) && o->array == n->array && o->nmods == n->nmods &&
			 memcmp(o->mods, n->mods, sizeof(o->mods)) == 0);
	if (is(o, n->name)) {
		if (is(n, "varchar") || is(n, "varbit"))
			return !widened(o, n, 0);
		if (in(n->name, temporal))
			return !widened(o, n, 6);
		if (is(n, "numeric"))
			return !numeric_widened(o, n);
		if (is(n, "interval"))
			return !interval_widened(o, n);
		return !(n->nmods == 0 || (o->nmods == n->nmods && memcmp(o->mods, n->mods, sizeof(o->mods)) == 0));
	}
	if (is(n, "text"))
		return !(is(o, "varchar") || is(o, "xml"));
	if (is(n, "varchar"))
		return !(is(o, "text") && n->nmods == 0);
	if (is(n, "bpchar"))
		return !((is(o, "text") || is(o, "varchar")) && n->nmods == 0);
	if (is(n, "varbit"))
		return !(is(o, "bit") && n->nmods == 0);
	if (is(n, "inet"))
		return !is(o, "cidr");
	return !(in(o->name, oid_family) && in(n->name, oid_family));
}

static int same_type(const struct coltype *a, const struct coltype *b)
{
	return is(a, b->name) && a->nmods >= 0 && a->nmods == b->nmods && a->array == b->array &&
	       memcmp(a->mods, b->mods, sizeof(a->mods)) == 0;
}

/* USING col, or USING col::type with the new type itself (n): no new values */
static int using_computes(const struct json_value *expr, const char *col, const struct coltype *n)
{
	if (!expr)
		return 0;
	const struct json_value *cast = lint_node(expr, "TypeCast");
	if (cast) {
		struct coltype to;
		type_of(json_member(cast, "typeName"), &to);
		if (!same_type(&to, n))
			return 1; /* col::text on the way to varchar(300): the values pass through text's cast */
		expr = json_member(cast, "arg");
	}
	const struct json_value *fields = json_member(lint_node(expr, "ColumnRef"), "fields");
	const char *f = fields && fields->n == 1 ? lint_str(lint_node(&fields->items[0], "String"), "sval") : NULL;
	return !(f && strcmp(f, col) == 0);
}

static char *key(const char *rel, const char *col)
{
	return xasprintf("%s\x1f%s", rel, col);
}

static void remember_type(struct lint_ctx *cx, const char *rel, const char *col, const struct json_value *tn)
{
	if (!col || !tn)
		return;
	struct coltype t;
	type_of(tn, &t);
	char *k = key(rel, col), *v = encode(&t);
	lint_remember(cx, k, v);
	free(v);
	free(k);
}

/* the new type as the statement spells it: from its start to COLLATE, USING or the action's end */
static char *type_text(struct lint_ctx *cx, const struct json_value *tn)
{
	size_t len;
	const char *text = lint_stmt_text(cx, &len);
	size_t at = lint_offset(cx, tn), end = lint_clause_end(text, len, at);
	size_t c = lint_word_at(text, end, at, "collate"), u = lint_word_at(text, end, at, "using");
	if (c != LINT_NO_OFFSET && c < end)
		end = c;
	if (u != LINT_NO_OFFSET && u < end)
		end = u;
	return lint_text_dup(text, at, end);
}

/*
 * The USING expression as written: the text after the word USING (the
 * expression's node cannot say where it starts: a cast's or an operator's
 * "location" is the "::" or the operator, not its first operand).
 */
static char *using_text(struct lint_ctx *cx, const struct json_value *tn)
{
	size_t len;
	const char *text = lint_stmt_text(cx, &len);
	size_t at = lint_offset(cx, tn), end = lint_clause_end(text, len, at);
	size_t u = lint_word_at(text, end, at, "using");
	if (u == LINT_NO_OFFSET)
		return NULL;
	return lint_text_dup(text, lint_skip_tokens(text, len, u, 1), end);
}

static void report(struct lint_ctx *cx, const char *table, const char *ttext, const char *rel,
		   const struct json_value *def, const char *col, const char *why)
{
	const struct json_value *tn = json_member(def, "typeName");
	char *type = type_text(cx, tn), *qcol = lint_quote_ident(col);
	char *newcol = xasprintf("%s_new", col), *oldcol = xasprintf("%s_old", col);
	char *qnew = lint_quote_ident(newcol), *qold = lint_quote_ident(oldcol);
	struct coltype n;
	type_of(tn, &n);
	/* the new values: the USING expression, or the column cast */
	char *value = json_member(def, "raw_default") ? using_text(cx, tn) : NULL;
	if (!value || !*value) {
		free(value);
		value = xasprintf("%s::%s", qcol, type);
	}
	struct strbuf limit;
	strbuf_init(&limit);
	if (is(&n, "varchar") && n.nmods == 1 && !n.array) {
		char *cn = xasprintf("%s_%s_length", rel, col);
		char *qcn = lint_quote_ident(cn);
		strbuf_addf(&limit,
			    " Or, to limit the length only, keep the type: ALTER TABLE %s ADD CONSTRAINT %s CHECK "
			    "(char_length(%s) <= %ld) NOT VALID; and VALIDATE it in a later migration.",
			    ttext, qcn, qcol, n.mods[0]);
		free(qcn);
		free(cn);
	}
	lint_report(cx, def, table, "ACCESS EXCLUSIVE",
		    "%s%sALTER TABLE %s ADD COLUMN %s %s; then fill it in batches in a -- pgboot:no-transaction file "
		    "(UPDATE %s SET %s = %s WHERE <a range of keys>), keep it in step with a trigger, and swap in "
		    "a later migration: ALTER TABLE %s RENAME COLUMN %s TO %s; ALTER TABLE %s RENAME COLUMN %s TO %s;%s",
		    why ? why : "", why ? " " : "", ttext, qnew, type, ttext, qnew, value, ttext, qcol, qold, ttext,
		    qnew, qcol, limit.len ? limit.buf : "");
	strbuf_free(&limit);
	free(value);
	free(qold);
	free(qnew);
	free(oldcol);
	free(newcol);
	free(qcol);
	free(type);
}

static void live_type_of(const struct json_value *tn, void *arg)
{
	type_of(tn, arg);
}

/* lint_report_recheck's test: data is the new type (encode), live the column's type on the server */
static int live_safe(const char *live, const char *data, char **note)
{
	struct coltype o, n;
	if (!data || decode(data, &n) || lint_parse_type(live, live_type_of, &o))
		return 0;
	int tz = (is(&o, "timestamp") && is(&n, "timestamptz")) || (is(&o, "timestamptz") && is(&n, "timestamp"));
	if (!tz && !rewrites(&o, &n))
		return 1;
	*note = xasprintf(tz ? "the column is %s on the server: the change is skipped only when the session's "
			       "TimeZone is UTC (SET LOCAL TimeZone = 'UTC'; before it in the same transaction); else:"
			     : "the column is %s on the server: this change of it rewrites; instead:",
			  live);
	return 0;
}

static void alter_type(struct lint_ctx *cx, const char *table, const char *ttext, const char *rel,
		       const char *col, const struct json_value *def)
{
	const struct json_value *tn = json_member(def, "typeName");
	if (!col || !tn)
		return;
	struct coltype o, n;
	type_of(tn, &n);
	char *k = key(rel, col);
	const char *was = lint_recall(cx, k);
	int renamed_here = was && strcmp(was, RENAMED_UNKNOWN) == 0;
	int known = was && !renamed_here && decode(was, &o) == 0;
	free(k);
	const char *why = NULL;
	char *note = NULL;
	if (using_computes(json_member(def, "raw_default"), col, &n))
		why = "the USING expression computes every row anew:";
	else if (!known)
		why = note = xasprintf("the old type is not known from the text (no pending CREATE TABLE or ADD COLUMN "
				       "gives \"%s\"): binary-coercible changes (varchar(n) to a larger n or to text, "
				       "numeric(p,s) to a larger p) do not rewrite, the others do; if it does:",
				       col);
	else if ((is(&o, "timestamp") && is(&n, "timestamptz")) || (is(&o, "timestamptz") && is(&n, "timestamp")))
		why = "graded as a rewrite: it is skipped only when the session's TimeZone is UTC (SET LOCAL TimeZone "
		      "= 'UTC'; before it in the same transaction); else:";
	else if (!rewrites(&o, &n))
		why = "";
	if (!why || *why)
		report(cx, table, ttext, rel, def, col, why);
	if (note && !renamed_here) {
		char *data = encode(&n);
		lint_report_recheck(cx, col, data, strlen(note), live_safe);
		free(data);
	}
	free(note);
	remember_type(cx, rel, col, tn);
}

static void alter_cmd(struct lint_ctx *cx, const struct lint_alter *a, const char *sub, const struct json_value *cmd)
{
	const char *rel = a->rel, *name = lint_str(cmd, "name");
	const struct json_value *def = lint_node(json_member(cmd, "def"), "ColumnDef");
	if (strcmp(sub, "AT_AlterColumnType") == 0 && def)
		alter_type(cx, a->table, a->ttext, rel, name, def);
	else if (strcmp(sub, "AT_AddColumn") == 0 && def)
		remember_type(cx, rel, lint_str(def, "colname"), json_member(def, "typeName"));
	else if (strcmp(sub, "AT_DropColumn") == 0 && name) {
		char *k = key(rel, name);
		lint_remember(cx, k, NULL);
		free(k);
	}
}

static void created(struct lint_ctx *cx, const struct json_value *node)
{
	const char *rel = lint_str(json_member(node, "relation"), "relname");
	const struct json_value *elts = json_member(node, "tableElts");
	for (size_t i = 0; rel && elts && elts->type == JSON_ARRAY && i < elts->n; i++) {
		const struct json_value *def = lint_node(&elts->items[i], "ColumnDef");
		if (def)
			remember_type(cx, rel, lint_str(def, "colname"), json_member(def, "typeName"));
	}
}

static void renamed(struct lint_ctx *cx, const struct json_value *node)
{
	const char *kind = lint_str(node, "renameType"), *rel = lint_str(json_member(node, "relation"), "relname");
	const char *from = lint_str(node, "subname"), *to = lint_str(node, "newname");
	if (!kind || strcmp(kind, "OBJECT_COLUMN") != 0 || !rel || !from || !to)
		return;
	char *kf = key(rel, from), *kt = key(rel, to);
	const char *v = lint_recall(cx, kf);
	/* unknown, the new name still is not the server's column of that name: RENAMED_UNKNOWN */
	char *copy = xstrdup(v ? v : RENAMED_UNKNOWN);
	lint_remember(cx, kt, copy);
	lint_remember(cx, kf, NULL);
	free(copy);
	free(kt);
	free(kf);
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	if (strcmp(type, "AlterTableStmt") == 0)
		lint_each_alter_cmd(cx, type, node, alter_cmd);
	else if (strcmp(type, "CreateStmt") == 0)
		created(cx, node);
	else if (strcmp(type, "RenameStmt") == 0)
		renamed(cx, node);
}

static const struct lint_example examples[] = {
	/* the old type unknown: found, with the note */
	{"ALTER TABLE users ALTER COLUMN id TYPE bigint;", 1, 0},
	{"alter table app.\"Users\" alter \"Name\" set data type text, alter age type smallint;", 2, 0},
	/* known from a pending CREATE TABLE or ADD COLUMN */
	{"CREATE TABLE users (id int, email varchar(100), price numeric(10,2), at timestamp(3), tags text[]);\n"
	 "ALTER TABLE users ALTER email TYPE varchar(200), ALTER price TYPE numeric(12,2), ALTER at TYPE timestamp;\n"
	 "ALTER TABLE users ALTER email TYPE text, ALTER id TYPE oid;",
	 0, 0},
	{"CREATE TABLE users (id int, email varchar(100), price numeric(10,2), code char(3), tags varchar(10)[]);\n"
	 "ALTER TABLE users ALTER id TYPE bigint, ALTER email TYPE varchar(50), ALTER price TYPE numeric(12,3);\n"
	 "ALTER TABLE users ALTER code TYPE char(5), ALTER tags TYPE text[];",
	 5, 0},
	{"ALTER TABLE users ADD COLUMN note varchar(20);\nALTER TABLE users ALTER note TYPE varchar(40);\n"
	 "ALTER TABLE users ALTER note TYPE varchar(30);",
	 1, 0},
	/* USING: the column itself is no new value; an expression is */
	{"CREATE TABLE t (a varchar(10));\nALTER TABLE t ALTER a TYPE text USING a::text;", 0, 0},
	{"CREATE TABLE t (a varchar(10));\nALTER TABLE t ALTER a TYPE text USING lower(a);", 1, 0},
	/* timestamp to timestamptz: a rewrite unless TimeZone is UTC */
	{"CREATE TABLE t (at timestamp);\nALTER TABLE t ALTER at TYPE timestamptz;", 1, 0},
	/* renamed, then changed: the type follows the name */
	{"CREATE TABLE t (a varchar(10));\nALTER TABLE t RENAME a TO b;\nALTER TABLE t ALTER b TYPE varchar(20);", 0,
	 0},
	{"CREATE TABLE t (i interval day, c cidr, b bit(3));\n"
	 "ALTER TABLE t ALTER i TYPE interval hour, ALTER c TYPE inet, ALTER b TYPE varbit;",
	 0, 0},
	{"ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_type_change_rewrite = {
	.id = "type-change-rewrite",
	.reason = "this column type change rewrites the whole table and its indexes under ACCESS EXCLUSIVE, "
		  "blocking reads and writes",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
