/* written.c: the user's spelling of names, for the fixes the lint rules write out (see lint_written.h). */
#include <stdlib.h>
#include <string.h>

#include "lint_text.h"
#include "lint_written.h"
#include "strbuf.h"
#include "xmem.h"

static int ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

size_t lint_ident_end(const char *s, size_t len, size_t i)
{
	if (i < len && s[i] == '"') {
		for (size_t k = i + 1; k < len; k++)
			if (s[k] == '"') {
				if (k + 1 < len && s[k + 1] == '"')
					k++;
				else
					return k + 1;
			}
		return i;
	}
	size_t k = i;
	if (k < len && ident_start((unsigned char)s[k]))
		while (k < len && ident_char((unsigned char)s[k]))
			k++;
	return k;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

char *lint_quote_name(const char *schema, const char *name, const char *suffix)
{
	char *full = xasprintf("%s%s", name, suffix ? suffix : "");
	char *n = lint_quote_ident(full);
	free(full);
	if (!schema)
		return n;
	char *s = lint_quote_ident(schema);
	char *out = xasprintf("%s.%s", s, n);
	free(s);
	free(n);
	return out;
}

char *lint_quote_parts(const struct json_value *list, size_t drop_last)
{
	if (!list || list->type != JSON_ARRAY || list->n <= drop_last)
		return NULL;
	struct strbuf b;
	strbuf_init(&b);
	for (size_t i = 0; i + drop_last < list->n; i++) {
		const char *s = lint_str(lint_node(&list->items[i], "String"), "sval");
		char *q = lint_quote_ident(s ? s : "?");
		if (i)
			strbuf_addc(&b, '.');
		strbuf_adds(&b, q);
		free(q);
	}
	return strbuf_detach(&b);
}

char *lint_written(const struct lint_ctx *cx, const struct json_value *rv)
{
	size_t len, parts = 0, want = 1 + !!lint_str(rv, "schemaname") + !!lint_str(rv, "catalogname");
	const char *s = lint_stmt_text(cx, &len);
	size_t start = json_member(rv, "location") ? lint_offset(cx, rv) : len, i = start, end = start;
	while (i < len) {
		size_t e = lint_ident_end(s, len, i);
		if (e == i)
			break;
		parts++;
		end = e;
		i = skip_space(s, len, e);
		if (i >= len || s[i] != '.')
			break;
		i = skip_space(s, len, i + 1);
	}
	if (parts == want && end > start)
		return xasprintf("%.*s", (int)(end - start), s + start);
	return lint_quote_name(lint_str(rv, "schemaname"), lint_str(rv, "relname") ? lint_str(rv, "relname") : "?",
			       NULL);
}

char *lint_shell_word(const char *s)
{
	int plain = 1;
	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
			*p == '.';
	if (plain)
		return xstrdup(s);
	struct strbuf b;
	strbuf_init(&b);
	strbuf_addc(&b, '\'');
	for (const char *p = s; *p; p++)
		if (*p == '\'')
			strbuf_adds(&b, "'\\''");
		else
			strbuf_addc(&b, *p);
	strbuf_addc(&b, '\'');
	return strbuf_detach(&b);
}
