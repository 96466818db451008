/*
 * lint.c: the table of lint rules and the framework that runs them (see
 * lint.h): each statement of a file parsed (pgq.h), every rule asked, the
 * findings placed, silenced by lint-ignore directives, graded and shown.
 */
#include "lint.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "lint_text.h"
#include "lint_written.h"
#include "log.h"
#include "pgq.h"
#include "strbuf.h"
#include "xmem.h"

/* one line per rule: its file src/lint/<id>.c defines lint_rule_<id> */
#define LINT_RULES \
	X(index_not_concurrent) \
	X(concurrent_in_transaction) \
	X(constraint_not_valid) \
	X(set_not_null) \
	X(type_change_rewrite) \
	X(add_column_volatile_default) \
	X(add_column_not_null_no_default) \
	X(constraint_inline_index) \
	X(drop_index_not_concurrent) \
	X(access_exclusive_multiple_tables) \
	X(vacuum_full) \
	X(cluster) \
	X(reindex_not_concurrent) \
	X(lock_table) \
	X(refresh_matview_not_concurrent) \
	X(set_logged_unlogged) \
	X(mass_update_delete) \
	X(destructive_change) \
	X(rename) \
	/* a new rule: one more line above */

#define X(id) extern const struct lint_rule lint_rule_##id;
LINT_RULES
#undef X

#define X(id) &lint_rule_##id,
const struct lint_rule *const lint_rules[] = {LINT_RULES NULL};
#undef X

/* the framework's own findings */
static const struct lint_rule parse_rule = {
	.id = "lint-parse",
	.reason = "the statement is not analysed",
	.scale = LINT_FIXED,
	.large = LINT_INFO,
};
static const struct lint_rule ignore_reason_rule = {
	.id = "lint-ignore-reason",
	.reason = "a lint-ignore directive gives no reason",
	.scale = LINT_FIXED,
	.large = LINT_WARNING,
};

static size_t nrules(void)
{
	size_t n = 0;
	while (lint_rules[n])
		n++;
	return n;
}

const struct lint_rule *lint_rule_find(const char *id, size_t n)
{
	for (size_t i = 0; lint_rules[i]; i++)
		if (strlen(lint_rules[i]->id) == n && strncmp(lint_rules[i]->id, id, n) == 0)
			return lint_rules[i];
	return NULL;
}

/* ---- ignore directives ---------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int lint_ignore_read(const char *s, size_t n, char ***rules, size_t *nrules_out, const char **reason_at,
		     size_t *reason_len, struct pgb_error *err)
{
	size_t i = 0, count = 0;
	char **ids = NULL;
	*reason_at = s + n;
	*reason_len = 0;
	for (;;) {
		while (i < n && is_blank(s[i]))
			i++;
		size_t a = i;
		while (i < n && !is_blank(s[i]) && s[i] != ',' && !(s[i] == '-' && i + 1 < n && s[i + 1] == '-'))
			i++;
		if (i == a) {
			strs_free(ids, count);
			pgb_fail(err, PGB_EXIT_CONFIG, "\"pgboot:lint-ignore\" names no rule");
			pgb_error_hint(err, "Write \"-- pgboot:lint-ignore RULE[,RULE] -- reason\" (\"pgboot lint --help\" "
					    "lists the rules).");
			return -1;
		}
		if (!lint_rule_find(s + a, i - a)) {
			strs_free(ids, count);
			pgb_fail(err, PGB_EXIT_CONFIG, "\"pgboot:lint-ignore\" names unknown lint rule \"%.*s\"",
				 (int)(i - a), s + a);
			pgb_error_hint(err, "\"pgboot lint --help\" lists the rules (README.md's Lint section too); "
					    "check the spelling.");
			return -1;
		}
		ids = xrealloc(ids, (count + 1) * sizeof(*ids));
		ids[count++] = xstrndup(s + a, i - a);
		while (i < n && is_blank(s[i]))
			i++;
		if (i < n && s[i] == ',') {
			i++;
			continue;
		}
		break;
	}
	if (i < n && !(s[i] == '-' && i + 1 < n && s[i + 1] == '-')) {
		strs_free(ids, count);
		pgb_fail(err, PGB_EXIT_CONFIG, "unexpected text after the rules of \"pgboot:lint-ignore\"");
		pgb_error_hint(err, "Separate the rules with commas and give the reason after \"--\": "
				    "\"-- pgboot:lint-ignore RULE[,RULE] -- reason\".");
		return -1;
	}
	if (i < n) {
		i += 2;
		while (i < n && is_blank(s[i]))
			i++;
		size_t e = n;
		while (e > i && is_blank(s[e - 1]))
			e--;
		*reason_at = s + i;
		*reason_len = e - i;
	}
	if (rules) {
		*rules = ids;
		*nrules_out = count;
	} else {
		strs_free(ids, count);
	}
	return 0;
}

/* One directive read from a file. */
struct ignore {
	int line;
	char **rules;
	size_t nrules;
	char *reason; /* NULL: none */
};

struct ignores {
	struct ignore *v;
	size_t n;
	const char *text;
	size_t len, line_at; /* line counting: line_no is the line of text[line_at] */
	int line_no;
};

/* "-- pgboot : lint-ignore" at the start of a comment line: the offset after the word, or 0 */
static size_t ignore_word(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	if (n - i < 2 || s[i] != '-' || s[i + 1] != '-')
		return 0;
	i += 2;
	while (i < n && is_blank(s[i]))
		i++;
	if (n - i < 6 || strncasecmp(s + i, "pgboot", 6) != 0)
		return 0;
	i += 6;
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != ':')
		return 0;
	i++;
	while (i < n && is_blank(s[i]))
		i++;
	if (n - i < 11 || strncasecmp(s + i, "lint-ignore", 11) != 0 || (n - i > 11 && !is_blank(s[i + 11])))
		return 0;
	return i + 11;
}

static int line_of(struct ignores *ig, size_t off)
{
	for (; ig->line_at < off; ig->line_at++)
		ig->line_no += ig->text[ig->line_at] == '\n';
	return ig->line_no;
}

static void on_comment(void *ctx, size_t start, size_t end)
{
	struct ignores *ig = ctx;
	size_t ls = start;
	while (ls > 0 && (ig->text[ls - 1] == ' ' || ig->text[ls - 1] == '\t'))
		ls--;
	if (ls > 0 && ig->text[ls - 1] != '\n')
		return;
	size_t after = ignore_word(ig->text + ls, end - ls);
	if (!after)
		return;
	struct ignore one = {0};
	const char *reason;
	size_t rlen;
	struct pgb_error err;
	pgb_error_init(&err);
	/* an unknown id was refused when the file was read (the marker reader); here it is skipped */
	if (lint_ignore_read(ig->text + ls + after, end - ls - after, &one.rules, &one.nrules, &reason, &rlen, &err) ==
	    0) {
		one.line = line_of(ig, ls);
		one.reason = rlen ? xstrndup(reason, rlen) : NULL;
		ig->v = xrealloc(ig->v, (ig->n + 1) * sizeof(*ig->v));
		ig->v[ig->n++] = one;
	}
	pgb_error_free(&err);
}

static void ignores_free(struct ignores *ig)
{
	for (size_t i = 0; i < ig->n; i++) {
		strs_free(ig->v[i].rules, ig->v[i].nrules);
		free(ig->v[i].reason);
	}
	free(ig->v);
}

static int ignore_names(const struct ignore *g, const char *rule)
{
	for (size_t k = 0; k < g->nrules; k++)
		if (strcmp(g->rules[k], rule) == 0)
			return 1;
	return 0;
}

/* ---- the context a rule sees ------------------------------------------------ */

struct lint_ctx {
	struct lint_run *run;
	const struct lint_file *file;
	struct ignores *ig;
	int first_line;              /* the line of the file's first statement */
	size_t rule;                 /* index in lint_rules of the rule asked */
	const struct lint_rule *cur; /* the rule asked (or a framework rule) */
	const struct sql_stmt *st;   /* NULL at file_end */
	const char *text;            /* the statement, without its ';' */
	size_t len;
	int path_changed;            /* a statement before this one may have changed search_path */
};

static struct lint_finding *add_finding(struct lint_run *run)
{
	if (run->n == run->cap) {
		run->cap = run->cap ? 2 * run->cap : 8;
		run->findings = xrealloc(run->findings, run->cap * sizeof(*run->findings));
	}
	struct lint_finding *f = &run->findings[run->n++];
	memset(f, 0, sizeof(*f));
	f->exists = -1;
	f->rows = -1;
	f->bytes = -1;
	return f;
}

/* the directive that silences rule at the statement on line `line`, or NULL */
static struct ignore *ignored_by(struct lint_ctx *cx, const char *rule, int line)
{
	for (size_t i = 0; i < cx->ig->n; i++) {
		struct ignore *g = &cx->ig->v[i];
		int whole_file = g->line < cx->first_line - 1;
		if ((whole_file || g->line == line - 1) && ignore_names(g, rule))
			return g;
	}
	return NULL;
}

static void place(struct lint_ctx *cx, struct lint_finding *f, size_t off)
{
	f->file = xstrdup(cx->file->path);
	f->line = 1;
	f->column = 1;
	sql_offset_locus(cx->file->text, cx->file->len, off, &f->line, &f->column);
	f->excerpt = sql_caret_excerpt(cx->file->text, cx->file->len, f->line, f->column);
}

static struct lint_finding *finding(struct lint_ctx *cx, const struct lint_rule *r, size_t off)
{
	struct lint_finding *f = add_finding(cx->run);
	f->rule = r->id;
	f->scale = r->scale;
	f->large = r->large;
	f->grade = r->large;
	f->reason = xstrdup(r->reason);
	place(cx, f, off);
	int line = cx->st ? cx->st->line : f->line;
	struct ignore *g = ignored_by(cx, r->id, line);
	if (g) {
		f->ignored = 1;
		f->ignore_reason = g->reason ? xstrdup(g->reason) : NULL;
	}
	return f;
}

static long name_index(char *const *names, size_t n, const char *table);

void lint_report(struct lint_ctx *cx, const struct json_value *at, const char *table, const char *lock,
		 const char *fix, ...)
{
	size_t off = cx->st ? cx->st->start + (at ? lint_offset(cx, at) : 0) : 0;
	struct lint_finding *f = finding(cx, cx->cur, off);
	f->table = table ? xstrdup(table) : NULL;
	f->lock = lock ? xstrdup(lock) : NULL;
	f->created_here = table && lint_created_here(cx, table);
	f->path_moved = table && !f->created_here && cx->path_changed && !lint_name_dot(table);
	f->renamed = table && !f->created_here && name_index(cx->run->renamed, cx->run->nrenamed, table) >= 0;
	if (fix) {
		va_list ap;
		va_start(ap, fix);
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_vaddf(&sb, fix, ap);
		va_end(ap);
		f->fix = strbuf_detach(&sb);
	}
}

void lint_report_recheck(struct lint_ctx *cx, const char *column, const char *data, size_t unknown_len,
			 int (*recheck)(const char *live, const char *data, char **note))
{
	struct lint_finding *f = cx->run->n ? &cx->run->findings[cx->run->n - 1] : NULL;
	if (!f || !column || !recheck)
		return;
	free(f->recheck_column);
	free(f->recheck_data);
	f->recheck_column = xstrdup(column);
	f->recheck_data = data ? xstrdup(data) : NULL;
	f->recheck_unknown_len = unknown_len;
	f->recheck = recheck;
}

int lint_parse_type(const char *text, void (*fn)(const struct json_value *type_name, void *arg), void *arg)
{
	char *sql = xasprintf("SELECT NULL::%s", text);
	struct pgq_result pr;
	int rc = -1;
	if (pgq_parse(sql, strlen(sql), &pr) == 0) {
		size_t n;
		const struct json_value *stmts = pgq_stmts(&pr, &n);
		const struct json_value *sel = n == 1 ? lint_node(json_member(stmts, "stmt"), "SelectStmt") : NULL;
		const struct json_value *targets = json_member(sel, "targetList");
		const struct json_value *rt = targets && targets->type == JSON_ARRAY && targets->n == 1
						      ? lint_node(&targets->items[0], "ResTarget")
						      : NULL;
		const struct json_value *tn = json_member(lint_node(json_member(rt, "val"), "TypeCast"), "typeName");
		if (tn) {
			fn(tn, arg);
			rc = 0;
		}
	}
	pgq_free(&pr);
	free(sql);
	return rc;
}

const char *lint_stmt_text(const struct lint_ctx *cx, size_t *len)
{
	*len = cx->len;
	return cx->text;
}

size_t lint_offset(const struct lint_ctx *cx, const struct json_value *node)
{
	long long loc = lint_int(node, "location", -1);
	if (loc < 0 && lint_node_type(node))
		loc = lint_int(node->items[0].type == JSON_OBJECT ? &node->items[0] : NULL, "location", -1);
	return loc >= 0 && (size_t)loc <= cx->len ? (size_t)loc : 0;
}

int lint_no_transaction(const struct lint_ctx *cx)
{
	return cx->file->no_transaction;
}

const char *lint_name_dot(const char *name)
{
	int quoted = 0;
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			quoted = !quoted; /* "" inside quotes toggles twice */
		else if (*p == '.' && !quoted)
			return p; /* lint_rangevar's names have two parts at most */
	}
	return NULL;
}

void lint_add_name_shown(struct strbuf *sb, const char *name)
{
	/* "users" as PostgreSQL's messages quote a name; app.users, app."Orders", "x.y" as SQL spells them */
	strbuf_addf(sb, strchr(name, '"') || lint_name_dot(name) ? "%s" : "\"%s\"", name);
}

static const char *relname(const char *t)
{
	const char *dot = lint_name_dot(t);
	return dot ? dot + 1 : t;
}

/* the entry of run->created that is table, or -1 */
/* the index in names[0..n) of table: the same name, or one of the two unqualified and the relations alike */
static long name_index(char *const *names, size_t n, const char *table)
{
	for (size_t i = 0; i < n; i++) {
		const char *c = names[i];
		if (strcmp(c, table) == 0)
			return (long)i;
		/* one of the two unqualified: the same table when the names match */
		if ((!lint_name_dot(c) || !lint_name_dot(table)) && strcmp(relname(c), relname(table)) == 0)
			return (long)i;
	}
	return -1;
}

static long created_index(const struct lint_run *run, const char *table)
{
	return name_index(run->created, run->ncreated, table);
}

static long schema_index(const struct lint_run *run, const char *schema, size_t n)
{
	for (size_t i = 0; i < run->nschemas; i++)
		if (strlen(run->schemas[i]) == n && strncmp(run->schemas[i], schema, n) == 0)
			return (long)i;
	return -1;
}

int lint_created_here(const struct lint_ctx *cx, const char *table)
{
	const char *dot = lint_name_dot(table);
	return created_index(cx->run, table) >= 0 || (dot && schema_index(cx->run, table, (size_t)(dot - table)) >= 0);
}

int lint_schema_created_here(const struct lint_ctx *cx, const char *schema)
{
	char *q = lint_quote_ident(schema);
	int yes = schema_index(cx->run, q, strlen(q)) >= 0;
	free(q);
	return yes;
}

void **lint_file_state(struct lint_ctx *cx)
{
	return &cx->run->state[cx->rule];
}

/* the index in run->facts of the rule's key, or -1 */
static long fact_find(const struct lint_run *run, const char *k)
{
	for (size_t i = 0; i < run->nfacts; i++)
		if (strcmp(run->facts[2 * i], k) == 0)
			return (long)i;
	return -1;
}

void lint_remember(struct lint_ctx *cx, const char *key, const char *value)
{
	struct lint_run *run = cx->run;
	char *k = xasprintf("%zu\x1f%s", cx->rule, key);
	long i = fact_find(run, k);
	if (i >= 0) {
		free(k);
		free(run->facts[2 * i + 1]);
		if (value) {
			run->facts[2 * i + 1] = xstrdup(value);
			return;
		}
		free(run->facts[2 * i]);
		run->nfacts--;
		run->facts[2 * i] = run->facts[2 * run->nfacts];
		run->facts[2 * i + 1] = run->facts[2 * run->nfacts + 1];
		return;
	}
	if (!value) {
		free(k);
		return;
	}
	run->facts = xrealloc(run->facts, (run->nfacts + 1) * 2 * sizeof(*run->facts));
	run->facts[2 * run->nfacts] = k;
	run->facts[2 * run->nfacts + 1] = xstrdup(value);
	run->nfacts++;
}

const char *lint_recall(const struct lint_ctx *cx, const char *key)
{
	char *k = xasprintf("%zu\x1f%s", cx->rule, key);
	long i = fact_find(cx->run, k);
	free(k);
	return i >= 0 ? cx->run->facts[2 * i + 1] : NULL;
}

/* ---- the tree ------------------------------------------------------------------ */

const struct json_value *lint_node(const struct json_value *v, const char *type)
{
	if (!v || v->type != JSON_OBJECT || v->n != 1 || strcmp(v->keys[0], type) != 0)
		return NULL;
	return &v->items[0];
}

const char *lint_node_type(const struct json_value *v)
{
	if (!v || v->type != JSON_OBJECT || v->n != 1 || v->items[0].type != JSON_OBJECT)
		return NULL;
	return v->keys[0];
}

const char *lint_str(const struct json_value *obj, const char *key)
{
	const struct json_value *m = json_member(obj, key);
	return m && m->type == JSON_STRING ? m->text : NULL;
}

int lint_true(const struct json_value *obj, const char *key)
{
	const struct json_value *m = json_member(obj, key);
	return m && m->type == JSON_TRUE;
}

long long lint_int(const struct json_value *obj, const char *key, long long dflt)
{
	long long v;
	const struct json_value *m = json_member(obj, key);
	return m && json_int(m, &v) == 0 ? v : dflt;
}

char *lint_rangevar(const struct json_value *rangevar)
{
	const char *schema = lint_str(rangevar, "schemaname"), *rel = lint_str(rangevar, "relname");
	if (!rel)
		return xstrdup("");
	return lint_quote_name(schema, rel, NULL);
}

void lint_each_alter_cmd(struct lint_ctx *cx, const char *type, const struct json_value *node,
			 void (*fn)(struct lint_ctx *cx, const struct lint_alter *a, const char *subtype,
				    const struct json_value *cmd))
{
	const char *objtype = lint_str(node, "objtype");
	if (strcmp(type, "AlterTableStmt") != 0 || !objtype || strcmp(objtype, "OBJECT_TABLE") != 0)
		return;
	const struct json_value *rv = json_member(node, "relation"), *cmds = json_member(node, "cmds");
	const char *rel = lint_str(rv, "relname");
	if (!rel)
		return;
	char *table = lint_rangevar(rv), *ttext = lint_table_text(cx, rv);
	const struct lint_alter a = {.relation = rv, .rel = rel, .table = table, .ttext = ttext};
	for (size_t i = 0; cmds && cmds->type == JSON_ARRAY && i < cmds->n; i++) {
		const struct json_value *cmd = lint_node(&cmds->items[i], "AlterTableCmd");
		const char *sub = lint_str(cmd, "subtype");
		if (sub)
			fn(cx, &a, sub, cmd);
	}
	free(ttext);
	free(table);
}

char *lint_names(const struct json_value *list)
{
	if (!list || list->type != JSON_ARRAY || list->n == 0)
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < list->n; i++) {
		const char *s = lint_str(lint_node(&list->items[i], "String"), "sval");
		if (!s) {
			strbuf_free(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "%s%s", i ? "." : "", s);
	}
	return strbuf_detach(&sb);
}

/* ---- running ------------------------------------------------------------------------ */

void lint_run_init(struct lint_run *run)
{
	memset(run, 0, sizeof(*run));
	run->state = xcalloc(nrules() + 1, sizeof(*run->state));
	run->large_rows = 100000;
	run->large_bytes = 100LL * 1024 * 1024;
}

static void finding_free(struct lint_finding *f)
{
	free(f->file);
	free(f->reason);
	free(f->lock);
	free(f->table);
	free(f->fix);
	free(f->excerpt);
	free(f->ignore_reason);
	free(f->recheck_column);
	free(f->recheck_data);
}

void lint_run_free(struct lint_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		finding_free(&run->findings[i]);
	free(run->findings);
	strs_free(run->created, run->ncreated);
	strs_free(run->schemas, run->nschemas);
	strs_free(run->renamed, run->nrenamed);
	free(run->state);
	strs_free(run->facts, 2 * run->nfacts);
	free(run->offline_why);
	free(run->server_version);
	memset(run, 0, sizeof(*run));
}

static void add_str(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void created(struct lint_run *run, const struct json_value *rangevar)
{
	if (rangevar)
		add_str(&run->created, &run->ncreated, lint_rangevar(rangevar));
}

/* A created table renamed (RENAME TO: newname) or moved (SET SCHEMA: newschema): the fact follows it. */
static void created_renamed(struct lint_run *run, const struct json_value *rangevar, const char *newname,
			    const char *newschema)
{
	char *old = lint_rangevar(rangevar);
	long i = created_index(run, old);
	const char *rel = lint_str(rangevar, "relname");
	if (i < 0 && (!rel || (!newschema && !newname))) {
		free(old);
		return;
	}
	if (i < 0) { /* the server's table: neither name is the table the server has under it any more */
		const char *rvschema = lint_str(rangevar, "schemaname");
		add_str(&run->renamed, &run->nrenamed, old);
		add_str(&run->renamed, &run->nrenamed,
			newschema ? lint_quote_name(newschema, rel, NULL)
				  : lint_quote_name(rvschema, newname, NULL));
		return;
	}
	free(old);
	char *c = run->created[i];
	const char *dot = lint_name_dot(c), *rvschema = lint_str(rangevar, "schemaname");
	char *q = newschema ? lint_quote_ident(newschema) : lint_quote_ident(newname);
	if (newschema)
		run->created[i] = xasprintf("%s.%s", q, relname(c));
	else if (dot)
		run->created[i] = xasprintf("%.*s.%s", (int)(dot - c), c, q);
	else
		run->created[i] = lint_quote_name(rvschema, newname, NULL);
	free(q);
	free(c);
}

/* A created schema renamed: the schema and the tables named in it. */
static void schema_renamed(struct lint_run *run, const char *from_name, const char *to_name)
{
	char *from = lint_quote_ident(from_name), *to = lint_quote_ident(to_name);
	long i = schema_index(run, from, strlen(from));
	if (i >= 0) {
		free(run->schemas[i]);
		run->schemas[i] = xstrdup(to);
		size_t n = strlen(from);
		for (size_t k = 0; k < run->ncreated; k++) {
			char *c = run->created[k];
			if (strncmp(c, from, n) == 0 && c + n == lint_name_dot(c)) {
				run->created[k] = xasprintf("%s%s", to, c + n);
				free(c);
			}
		}
	}
	free(from);
	free(to);
}

static int is_type(const char *type, const char *name)
{
	return strcmp(type, name) == 0;
}

/*
 * What a statement creates for the rest of the run: CREATE TABLE, CREATE
 * TABLE AS, SELECT INTO, CREATE MATERIALIZED VIEW (the table), CREATE
 * SCHEMA (not IF NOT EXISTS: the schema may be there already); and the
 * renames that carry those facts to a new name.
 */
static void note_created(struct lint_run *run, const char *type, const struct json_value *node)
{
	const char *rt = lint_str(node, "renameType"), *newname = lint_str(node, "newname");
	/* IF NOT EXISTS may find the table there, rows and all: it is sized like any other */
	if (is_type(type, "CreateStmt") && !lint_true(node, "if_not_exists"))
		created(run, json_member(node, "relation"));
	else if (is_type(type, "CreateTableAsStmt") && !lint_true(node, "if_not_exists"))
		created(run, json_member(json_member(node, "into"), "rel"));
	else if (is_type(type, "SelectStmt") && json_member(node, "intoClause"))
		created(run, json_member(json_member(node, "intoClause"), "rel"));
	else if (is_type(type, "CreateSchemaStmt") && lint_str(node, "schemaname") && !lint_true(node, "if_not_exists"))
		add_str(&run->schemas, &run->nschemas, lint_quote_ident(lint_str(node, "schemaname")));
	else if (is_type(type, "RenameStmt") && rt && newname && json_member(node, "relation") &&
		 (is_type(rt, "OBJECT_TABLE") || is_type(rt, "OBJECT_MATVIEW") || is_type(rt, "OBJECT_FOREIGN_TABLE")))
		created_renamed(run, json_member(node, "relation"), newname, NULL);
	else if (is_type(type, "RenameStmt") && rt && newname && is_type(rt, "OBJECT_SCHEMA") && lint_str(node, "subname"))
		schema_renamed(run, lint_str(node, "subname"), newname);
	else if (is_type(type, "AlterObjectSchemaStmt") && json_member(node, "relation") && lint_str(node, "newschema"))
		created_renamed(run, json_member(node, "relation"), NULL, lint_str(node, "newschema"));
}

static void parse_failed(struct lint_ctx *cx, const struct pgq_result *pr)
{
	size_t off = cx->st->start;
	if (pr->cursor > 0) {
		/* a character position within the statement: walk that many characters */
		size_t i = 0;
		for (long c = 1; c < pr->cursor && i < cx->len; c++) {
			i++;
			while (i < cx->len && ((unsigned char)cx->text[i] & 0xC0) == 0x80)
				i++;
		}
		off += i;
	}
	cx->cur = &parse_rule;
	struct lint_finding *f = finding(cx, &parse_rule, off);
	free(f->reason);
	f->reason = xasprintf("the statement is not analysed: the PostgreSQL 15 parser says: %s", pr->error);
}

/*
 * After st: whether the file may have moved search_path (SET, set_config ...). The
 * sizing query resolves names in the session's own search_path, so a later
 * unqualified table is then not sized (graded as pgboot cannot size it, saying
 * why) rather than sized, or found missing, in the wrong schema.
 */
static void note_search_path(struct lint_ctx *cx, const struct sql_stmt *st)
{
	/* any mention: SET, set_config(), and also an EXECUTE in a DO block or a function it defines and
	 * calls later, which no statement type tells (a CREATE FUNCTION ... SET search_path over-counts:
	 * the cost is a "not sized" line) */
	if (cx->path_changed)
		return;
	for (size_t i = st->start; i + 11 <= st->end; i++)
		if (strncasecmp(cx->file->text + i, "search_path", 11) == 0) {
			cx->path_changed = 1;
			return;
		}
}

static void check_statement(struct lint_ctx *cx, const struct sql_stmt *st)
{
	size_t end = st->end;
	if (st->terminated && end > st->start && cx->file->text[end - 1] == ';')
		end--;
	cx->st = st;
	cx->text = cx->file->text + st->start;
	cx->len = end - st->start;
	struct pgq_result pr;
	if (pgq_parse(cx->text, cx->len, &pr)) {
		parse_failed(cx, &pr);
		pgq_free(&pr);
		return;
	}
	size_t n;
	const struct json_value *stmts = pgq_stmts(&pr, &n);
	for (size_t i = 0; i < n; i++) {
		const struct json_value *node = json_member(&stmts[i], "stmt");
		const char *type = lint_node_type(node);
		if (!type)
			continue;
		const struct json_value *body = &node->items[0];
		for (size_t k = 0; lint_rules[k]; k++) {
			cx->rule = k;
			cx->cur = lint_rules[k];
			if (lint_rules[k]->check)
				lint_rules[k]->check(cx, type, body);
		}
		note_created(cx->run, type, body);
	}
	pgq_free(&pr);
	note_search_path(cx, st);
}

/* a directive without a reason is a finding of its own, on its line */
static void reasonless(struct lint_ctx *cx)
{
	cx->st = NULL;
	cx->cur = &ignore_reason_rule;
	for (size_t i = 0; i < cx->ig->n; i++) {
		if (cx->ig->v[i].reason)
			continue;
		size_t off = 0;
		for (int line = 1; line < cx->ig->v[i].line && off < cx->file->len; off++)
			line += cx->file->text[off] == '\n';
		while (off < cx->file->len && is_blank(cx->file->text[off]))
			off++;
		struct lint_finding *f = finding(cx, &ignore_reason_rule, off);
		f->fix = xstrdup("say why after the rules: \"-- pgboot:lint-ignore RULE -- the table is empty in every "
				 "deployment\"");
	}
}

static void lex_failed(struct lint_ctx *cx, const struct pgb_error *lex)
{
	cx->st = NULL;
	struct lint_finding *f = finding(cx, &parse_rule, 0);
	free(f->reason);
	f->reason = xasprintf("the file is not analysed: %s", lex->message ? lex->message : "it does not split");
}

void lint_file(struct lint_run *run, const struct lint_file *file)
{
	struct ignores ig = {.text = file->text, .len = file->len, .line_no = 1};
	struct sqlsplit_opts opts = {.standard_conforming_strings = 1, .on_comment = on_comment, .ctx = &ig};
	struct lint_ctx cx = {.run = run, .file = file, .ig = &ig};
	struct sql_script script;
	struct pgb_error lex;
	pgb_error_init(&lex);
	size_t nr = nrules();
	memset(run->state, 0, nr * sizeof(*run->state));
	run->files++;
	if (sql_split(file->text, file->len, &opts, &script, &lex)) {
		lex_failed(&cx, &lex);
		pgb_error_free(&lex);
		ignores_free(&ig);
		return;
	}
	cx.first_line = INT_MAX;
	for (size_t i = 0; i < script.n; i++)
		if (script.stmts[i].kind == SQL_STMT_SQL) {
			cx.first_line = script.stmts[i].line;
			break;
		}
	for (size_t i = 0; i < script.n; i++)
		if (script.stmts[i].kind == SQL_STMT_SQL)
			check_statement(&cx, &script.stmts[i]);
	cx.st = NULL;
	cx.text = NULL;
	cx.len = 0;
	for (size_t k = 0; lint_rules[k]; k++) {
		cx.rule = k;
		cx.cur = lint_rules[k];
		if (lint_rules[k]->file_end)
			lint_rules[k]->file_end(&cx);
	}
	reasonless(&cx);
	sql_script_free(&script);
	ignores_free(&ig);
	pgb_error_free(&lex);
}

/* ---- grading ------------------------------------------------------------------------------ */

const char **lint_tables(const struct lint_run *run, size_t *n)
{
	const char **v = xcalloc(run->n + 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < run->n; i++) {
		const struct lint_finding *f = &run->findings[i];
		if (!f->table || f->created_here || f->path_moved || f->renamed)
			continue;
		size_t k = 0;
		while (k < *n && strcmp(v[k], f->table) != 0)
			k++;
		if (k == *n)
			v[(*n)++] = f->table;
	}
	return v;
}

size_t *lint_rechecks(const struct lint_run *run, size_t *n)
{
	size_t *v = xcalloc(run->n + 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < run->n; i++) {
		const struct lint_finding *f = &run->findings[i];
		if (f->recheck && f->table && f->exists == 1 && !f->created_here && !f->path_moved && !f->renamed)
			v[(*n)++] = i;
	}
	return v;
}

/* the fix with note in place of its first words (the rule's "not known") */
static void renote(struct lint_finding *f, const char *note)
{
	if (!f->fix || strlen(f->fix) < f->recheck_unknown_len)
		return;
	char *fix = xasprintf("%s%s", note, f->fix + f->recheck_unknown_len);
	free(f->fix);
	f->fix = fix;
}

void lint_recheck(struct lint_run *run, size_t i, const char *live)
{
	if (i >= run->n || !live || !run->findings[i].recheck)
		return;
	struct lint_finding *f = &run->findings[i];
	char *note = NULL;
	if (!f->recheck(live, f->recheck_data, &note)) {
		if (note)
			renote(f, note);
		free(note);
		return;
	}
	free(note);
	finding_free(f);
	memmove(f, f + 1, (run->n - i - 1) * sizeof(*f));
	run->n--;
}

void lint_set_size(struct lint_run *run, const char *table, int exists, long long rows, long long bytes)
{
	for (size_t i = 0; i < run->n; i++) {
		struct lint_finding *f = &run->findings[i];
		if (f->table && !f->created_here && !f->path_moved && !f->renamed && strcmp(f->table, table) == 0) {
			f->exists = exists;
			f->rows = exists ? rows : -1;
			f->bytes = exists ? bytes : -1;
		}
	}
}

static enum lint_grade grade_one(const struct lint_run *run, const struct lint_finding *f)
{
	if (f->scale == LINT_FIXED)
		return f->large;
	if (f->created_here)
		return LINT_INFO;
	if (run->offline || f->exists < 0)
		return f->scale == LINT_BY_SIZE ? LINT_WARNING : f->large;
	if (!f->exists)
		return LINT_INFO;
	if (f->scale == LINT_IF_EXISTS)
		return f->large;
	int large = (f->rows >= 0 && f->rows >= run->large_rows) || (f->bytes >= 0 && f->bytes >= run->large_bytes);
	return large ? f->large : LINT_INFO;
}

void lint_grade(struct lint_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		run->findings[i].grade = grade_one(run, &run->findings[i]);
}

size_t lint_count_at(const struct lint_run *run, enum lint_grade at)
{
	size_t n = 0;
	for (size_t i = 0; i < run->n; i++)
		n += !run->findings[i].ignored && run->findings[i].grade >= at;
	return n;
}

const char *lint_grade_name(enum lint_grade g)
{
	return g == LINT_ERROR ? "error" : g == LINT_WARNING ? "warning" : "info";
}

int lint_grade_parse(const char *s, enum lint_grade *g)
{
	if (strcmp(s, "info") == 0)
		*g = LINT_INFO;
	else if (strcmp(s, "warning") == 0)
		*g = LINT_WARNING;
	else if (strcmp(s, "error") == 0)
		*g = LINT_ERROR;
	else
		return -1;
	return 0;
}

/* ---- showing ---------------------------------------------------------------------------------- */

static const char *lock_effect(const char *lock)
{
	if (strcasecmp(lock, "ACCESS EXCLUSIVE") == 0)
		return "blocks reads and writes";
	if (strcasecmp(lock, "EXCLUSIVE") == 0 || strcasecmp(lock, "SHARE ROW EXCLUSIVE") == 0 ||
	    strcasecmp(lock, "SHARE") == 0)
		return "blocks writes";
	if (strcasecmp(lock, "SHARE UPDATE EXCLUSIVE") == 0)
		return "blocks schema changes and VACUUM, not reads or writes";
	return "blocks no reads or writes";
}

static void human_rows(struct strbuf *sb, long long rows)
{
	if (rows < 0)
		strbuf_adds(sb, "rows unknown (never analysed)");
	else if (rows >= 10000000)
		strbuf_addf(sb, "%lld M rows", rows / 1000000);
	else if (rows >= 1000000)
		strbuf_addf(sb, "%.1f M rows", (double)rows / 1e6);
	else if (rows >= 10000)
		strbuf_addf(sb, "%lld k rows", rows / 1000);
	else
		strbuf_addf(sb, "%lld row%s", rows, rows == 1 ? "" : "s");
}

static void human_bytes(struct strbuf *sb, long long bytes)
{
	static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		strbuf_addf(sb, "%lld bytes", bytes);
	else
		strbuf_addf(sb, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* the "table:" or "graded offline:" line of a finding, without its label; NULL for none */
static char *table_line(const struct lint_run *run, const struct lint_finding *f, const char **label)
{
	struct strbuf sb;
	strbuf_init(&sb);
	*label = "table";
	if (run->offline) {
		*label = "graded offline";
		strbuf_adds(&sb, "by the text alone");
		if (f->table) {
			strbuf_adds(&sb, ", ");
			lint_add_name_shown(&sb, f->table);
			strbuf_adds(&sb, f->created_here ? " created by a pending migration" : " not sized");
		}
		return strbuf_detach(&sb);
	}
	if (!f->table) {
		strbuf_free(&sb);
		return NULL;
	}
	lint_add_name_shown(&sb, f->table);
	if (f->created_here) {
		strbuf_adds(&sb, ", created by a pending migration");
	} else if (f->exists == 0) {
		strbuf_addf(&sb, " does not exist (server %s)", run->server_version ? run->server_version : "?");
	} else if (f->exists == 1) {
		strbuf_adds(&sb, ", ");
		human_rows(&sb, f->rows);
		strbuf_adds(&sb, ", ");
		human_bytes(&sb, f->bytes);
		strbuf_addf(&sb, " (server %s)", run->server_version ? run->server_version : "?");
	} else if (f->path_moved) {
		strbuf_adds(&sb, " not sized: the file changes search_path before it");
	} else if (f->renamed) {
		strbuf_adds(&sb, " not sized: a pending migration renames a table to or from this name");
	}
	return strbuf_detach(&sb);
}

/* a finding's lines: the first "file:line:col: grade: rule: reason", then the indented ones */
static char *finding_text(const struct lint_run *run, const struct lint_finding *f)
{
	struct strbuf sb;
	strbuf_init(&sb);
	if (f->ignored)
		strbuf_addf(&sb, "%s:%d:%d: ignored: %s: %s\n", f->file, f->line, f->column, f->rule, f->reason);
	else
		strbuf_addf(&sb, "%s:%d:%d: %s: %s: %s\n", f->file, f->line, f->column, lint_grade_name(f->grade),
			    f->rule, f->reason);
	if (f->excerpt)
		strbuf_addf(&sb, "%s\n", f->excerpt);
	if (f->ignored)
		strbuf_addf(&sb, "    ignore: %s\n", f->ignore_reason ? f->ignore_reason : "(no reason given)");
	if (f->lock && f->table) {
		strbuf_addf(&sb, "    lock: %s on ", f->lock);
		lint_add_name_shown(&sb, f->table);
		strbuf_addf(&sb, " (%s)\n", lock_effect(f->lock));
	} else if (f->lock) /* a table the statement does not name (DROP INDEX: the index's) */
		strbuf_addf(&sb, "    lock: %s (%s)\n", f->lock, lock_effect(f->lock));
	const char *label;
	char *t = table_line(run, f, &label);
	if (t)
		strbuf_addf(&sb, "    %s: %s\n", label, t);
	free(t);
	if (f->fix)
		strbuf_addf(&sb, "    fix: %s\n", f->fix);
	return strbuf_detach(&sb);
}

static void counts(const struct lint_run *run, size_t c[4])
{
	memset(c, 0, 4 * sizeof(*c));
	for (size_t i = 0; i < run->n; i++)
		c[run->findings[i].ignored ? 3 : run->findings[i].grade]++;
}

static char *summary(const struct lint_run *run)
{
	size_t c[4];
	counts(run, c);
	return xasprintf("lint: %zu file%s, %zu error%s, %zu warning%s, %zu info, %zu ignored%s", run->files,
			 run->files == 1 ? "" : "s", c[2], c[2] == 1 ? "" : "s", c[1], c[1] == 1 ? "" : "s", c[0], c[3],
			 run->offline ? "; graded offline" : "");
}

void lint_print_text(FILE *out, const struct lint_run *run)
{
	if (run->offline)
		fprintf(out, "graded offline, by the text alone%s%s%s\n", run->offline_why ? " (" : "",
			run->offline_why ? run->offline_why : "", run->offline_why ? ")" : "");
	for (size_t i = 0; i < run->n; i++) {
		char *t = finding_text(run, &run->findings[i]);
		fputs(t, out);
		free(t);
	}
	char *s = summary(run);
	fprintf(out, "%s\n", s);
	free(s);
}

static void json_opt_str(struct strbuf *sb, const char *key, const char *v)
{
	json_add_key(sb, key);
	if (v)
		json_add_string(sb, v);
	else
		strbuf_adds(sb, "null");
}

static void json_opt_int(struct strbuf *sb, const char *key, long long v, int known)
{
	json_add_key(sb, key);
	if (known)
		strbuf_addf(sb, "%lld", v);
	else
		strbuf_adds(sb, "null");
}

void lint_print_json(FILE *out, const struct lint_run *run)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "{\"offline\":%s", run->offline ? "true" : "false");
	json_opt_str(&sb, "server_version", run->offline ? NULL : run->server_version);
	strbuf_adds(&sb, ",\"findings\":[");
	for (size_t i = 0; i < run->n; i++) {
		const struct lint_finding *f = &run->findings[i];
		strbuf_adds(&sb, i ? ",{" : "{");
		strbuf_adds(&sb, "\"rule\":");
		json_add_string(&sb, f->rule);
		json_opt_str(&sb, "grade", lint_grade_name(f->grade));
		json_opt_str(&sb, "file", f->file);
		json_opt_int(&sb, "line", f->line, 1);
		json_opt_int(&sb, "column", f->column, 1);
		json_opt_str(&sb, "reason", f->reason);
		json_opt_str(&sb, "lock", f->lock);
		json_opt_str(&sb, "table", f->table);
		json_opt_int(&sb, "rows", f->rows, f->exists == 1 && f->rows >= 0);
		json_opt_int(&sb, "bytes", f->bytes, f->exists == 1 && f->bytes >= 0);
		json_opt_str(&sb, "fix", f->fix);
		json_add_key(&sb, "ignored");
		strbuf_adds(&sb, f->ignored ? "true" : "false");
		json_opt_str(&sb, "ignore_reason", f->ignore_reason);
		strbuf_adds(&sb, "}");
	}
	size_t c[4];
	counts(run, c);
	strbuf_addf(&sb, "],\"counts\":{\"info\":%zu,\"warning\":%zu,\"error\":%zu,\"ignored\":%zu}}\n", c[0], c[1], c[2],
		    c[3]);
	fputs(sb.buf, out);
	strbuf_free(&sb);
}

/*
 * In a run's text log, info and ignored findings are debug lines: a fresh
 * database's every CREATE INDEX on a table the run creates is one, and their
 * six lines each would bury the warnings (the summary line counts them;
 * "pgboot lint" lists them). JSON logs keep one info event each.
 */
static enum log_level level_of(const struct lint_finding *f)
{
	if (f->ignored || f->grade == LINT_INFO)
		return log_get_format() == LOG_TEXT ? LOG_DEBUG : LOG_INFO;
	return f->grade == LINT_ERROR ? LOG_ERROR : LOG_WARNING;
}

void lint_print_rules(FILE *out)
{
	fprintf(out, "\nRules (silence one with \"-- pgboot:lint-ignore RULE -- reason\" on the line before the "
		     "statement):\n");
	for (size_t k = 0; lint_rules[k]; k++)
		fprintf(out, "  %-32s %s\n", lint_rules[k]->id, lint_rules[k]->reason);
}

void lint_log(const struct lint_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		const struct lint_finding *f = &run->findings[i];
		const char *label;
		char *t = table_line(run, f, &label);
		char *text = finding_text(run, f);
		char *rest = text + strcspn(text, "\n");
		if (*rest)
			*rest++ = '\0';
		log_event(level_of(f), "lint",
			  LOG_FIELDS(LF_STR("rule", f->rule), LF_STR("grade", f->ignored ? "ignored" : lint_grade_name(f->grade)),
				     LF_STR("file", f->file), LF_INT("line", f->line), LF_INT("column", f->column),
				     LF_STR("reason", f->reason), LF_STR("lock", f->lock), LF_STR("table", f->table),
				     LF_INT("rows", f->exists == 1 ? f->rows : -1),
				     LF_INT("bytes", f->exists == 1 ? f->bytes : -1), LF_STR("fix", f->fix),
				     LF_STR("size", t), LF_STR("ignore_reason", f->ignore_reason),
				     LF_STR("server_version", run->offline ? NULL : run->server_version)),
			  "%s", text);
		/* text logs: the caret, lock, table and fix lines too, one event each */
		while (log_get_format() == LOG_TEXT && *rest) {
			size_t n = strcspn(rest, "\n");
			log_event(level_of(f), "lint_detail", NULL, "%.*s", (int)n, rest);
			rest += n + (rest[n] == '\n');
		}
		free(text);
		free(t);
	}
	if (run->n || run->files) {
		char *s = summary(run);
		size_t c[4];
		counts(run, c);
		if (c[0] + c[3] && log_get_format() == LOG_TEXT) {
			char *t = xasprintf("%s (the info and ignored ones: --log-level debug, or \"pgboot lint\")", s);
			free(s);
			s = t;
		}
		log_event(lint_count_at(run, LINT_WARNING) ? LOG_WARNING : run->n ? LOG_INFO : LOG_DEBUG, "lint_summary",
			  LOG_FIELDS(LF_INT("files", (long long)run->files), LF_INT("findings", (long long)run->n)), "%s", s);
		free(s);
	}
}
