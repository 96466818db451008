/* text.c: the statement's own text for the lint rules' fixes (lint_text.h). */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_text.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "xmem.h"

static void tokens_from(struct sql_tokens *t, const char *text, size_t len, size_t from)
{
	struct sql_stmt st = {.start = from, .end = len, .std_strings = 1};
	sql_tokens_init(t, text, &st);
}

static int is_punct(const struct sql_token *tok, char c)
{
	return tok->kind == SQL_TOKEN_OTHER && tok->n == 1 && tok->s[0] == c;
}

size_t lint_clause_end(const char *text, size_t len, size_t from)
{
	struct sql_tokens t;
	struct sql_token tok;
	size_t end = from;
	tokens_from(&t, text, len, from);
	while (sql_token_next(&t, &tok)) {
		if (tok.depth == 0 && (is_punct(&tok, ',') || is_punct(&tok, ')')))
			break;
		end = (size_t)(tok.s - text) + tok.n;
	}
	return end;
}

size_t lint_name_end(const char *text, size_t len, size_t from)
{
	struct sql_tokens t;
	struct sql_token tok;
	size_t end = from;
	int want_name = 1;
	tokens_from(&t, text, len, from);
	while (sql_token_next(&t, &tok)) {
		if (want_name && (tok.kind == SQL_TOKEN_WORD || tok.kind == SQL_TOKEN_IDENT))
			end = (size_t)(tok.s - text) + tok.n;
		else if (!want_name && is_punct(&tok, '.'))
			;
		else
			break;
		want_name = !want_name;
	}
	return end;
}

size_t lint_word_at(const char *text, size_t to, size_t from, const char *w)
{
	struct sql_tokens t;
	struct sql_token tok;
	tokens_from(&t, text, to, from);
	while (sql_token_next(&t, &tok))
		if (tok.depth == 0 && sql_token_is(&tok, w))
			return (size_t)(tok.s - text);
	return LINT_NO_OFFSET;
}

size_t lint_skip_tokens(const char *text, size_t len, size_t from, int n)
{
	struct sql_tokens t;
	struct sql_token tok;
	size_t end = from;
	tokens_from(&t, text, len, from);
	while (n-- > 0 && sql_token_next(&t, &tok))
		end = (size_t)(tok.s - text) + tok.n;
	return end;
}

char *lint_text_dup(const char *text, size_t from, size_t to)
{
	/* token by token: a fix is one line, so line breaks and comments become one space (a "--" comment
	   joined to the next line would swallow it), strings and quoted names stay as written */
	struct sql_tokens t;
	struct sql_token tok;
	struct strbuf sb;
	strbuf_init(&sb);
	tokens_from(&t, text, to, from);
	const char *prev_end = NULL;
	while (sql_token_next(&t, &tok)) {
		if (prev_end && tok.s > prev_end)
			strbuf_addc(&sb, ' ');
		strbuf_add(&sb, tok.s, tok.n);
		prev_end = tok.s + tok.n;
	}
	return strbuf_detach(&sb);
}

/*
 * PostgreSQL 15's keywords that are not UNRESERVED (kwlist.h): quote_ident
 * quotes them, and so do we (a column named "user" or "time" must be).
 */
static const char *const keywords[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
	"between", "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check",
	"coalesce", "collate", "collation", "column", "concurrently", "constraint", "create", "cross",
	"current_catalog", "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
	"current_user", "dec", "decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "exists", "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full",
	"grant", "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout", "int",
	"integer", "intersect", "interval", "into", "is", "isnull", "join", "lateral", "leading", "least",
	"left", "like", "limit", "localtime", "localtimestamp", "national", "natural", "nchar", "none",
	"normalize", "not", "notnull", "null", "nullif", "numeric", "offset", "on", "only", "or", "order", "out",
	"outer", "overlaps", "overlay", "placing", "position", "precision", "primary", "real", "references",
	"returning", "right", "row", "select", "session_user", "setof", "similar", "smallint", "some",
	"substring", "symmetric", "table", "tablesample", "then", "time", "timestamp", "to", "trailing",
	"treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar", "variadic", "verbose",
	"when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
	"xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable", NULL,
};

static int plain_ident(const char *name)
{
	if (!*name || !(strchr("abcdefghijklmnopqrstuvwxyz_", *name)))
		return 0;
	for (const char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *p))
			return 0;
	for (size_t i = 0; keywords[i]; i++)
		if (strcmp(keywords[i], name) == 0)
			return 0;
	return 1;
}

char *lint_quote_ident(const char *name)
{
	if (plain_ident(name))
		return xstrdup(name);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "\"");
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			strbuf_addc(&sb, '"');
		strbuf_addc(&sb, *p);
	}
	strbuf_adds(&sb, "\"");
	return strbuf_detach(&sb);
}

char *lint_quote_list(const struct json_value *list, const char *sep)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->n; i++) {
		const char *s = lint_str(lint_node(&list->items[i], "String"), "sval");
		if (!s)
			continue;
		char *q = lint_quote_ident(s);
		strbuf_addf(&sb, "%s%s", sb.len ? sep : "", q);
		free(q);
	}
	return strbuf_detach(&sb);
}

char *lint_default_name(const char *rel, const struct json_value *list, int first_only, const char *suffix)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, rel);
	for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->n; i++) {
		const char *s = lint_str(lint_node(&list->items[i], "String"), "sval");
		if (s)
			strbuf_addf(&sb, "_%s", s);
		if (first_only)
			break;
	}
	strbuf_addf(&sb, "_%s", suffix);
	return strbuf_detach(&sb);
}

char *lint_table_text(const struct lint_ctx *cx, const struct json_value *relation)
{
	size_t len;
	const char *text = lint_stmt_text(cx, &len);
	long long loc = lint_int(relation, "location", -1);
	if (loc < 0 || (size_t)loc >= len)
		return lint_rangevar(relation);
	return lint_text_dup(text, (size_t)loc, lint_name_end(text, len, (size_t)loc));
}
