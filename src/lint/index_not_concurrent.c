/* index_not_concurrent.c: CREATE INDEX without CONCURRENTLY on a table that exists. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint.h"

/* skip blanks and comments from i */
static size_t skip(const char *s, size_t n, size_t i)
{
	for (;;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			const char *e = i + 2 < n ? memmem(s + i + 2, n - i - 2, "*/", 2) : NULL;
			i = e ? (size_t)(e - s) + 2 : n;
		} else {
			return i;
		}
	}
}

/* the offset just past word w at i (any case), or 0 */
static size_t word(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	if (n - i < k || strncasecmp(s + i, w, k) != 0 || (i + k < n && (isalnum((unsigned char)s[i + k]) || s[i + k] == '_')))
		return 0;
	return i + k;
}

/* where CONCURRENTLY goes: just past "CREATE [UNIQUE] INDEX", or 0 when the words are not there */
static size_t after_index(const char *s, size_t n)
{
	size_t i = word(s, n, skip(s, n, 0), "create");
	if (!i)
		return 0;
	i = skip(s, n, i);
	size_t u = word(s, n, i, "unique");
	if (u)
		i = skip(s, n, u);
	return word(s, n, i, "index");
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	if (strcmp(type, "IndexStmt") != 0 || lint_true(node, "concurrent"))
		return;
	const struct json_value *rel = json_member(node, "relation");
	char *table = lint_rangevar(rel);
	size_t len;
	const char *sql = lint_stmt_text(cx, &len);
	size_t at = after_index(sql, len);
	const char *where = lint_no_transaction(cx) ? "" : " in a file of its own with -- pgboot:no-transaction";
	if (at)
		lint_report(cx, NULL, table, "SHARE", "%.*s CONCURRENTLY%.*s;%s", (int)at, sql, (int)(len - at), sql + at,
			    where);
	else
		lint_report(cx, NULL, table, "SHARE", "CREATE INDEX CONCURRENTLY ...%s", where);
	free(table);
}

static const struct lint_example examples[] = {
	{"CREATE INDEX messages_body_idx ON messages (body);", 1, 0},
	{"create unique index if not exists m_idx on app.messages using btree (id) where id > 0;", 1, 0},
	{"CREATE INDEX CONCURRENTLY messages_body_idx ON messages (body);", 0, 1},
	{"CREATE TABLE t (id int); CREATE INDEX t_id ON t (id);", 1, 0}, /* found; graded info: created here */
	{"CREATE INDEX a ON t (x); SELECT 1; CREATE INDEX b ON t (y);", 2, 0},
	{"SELECT 'CREATE INDEX a ON t (x)';", 0, 0},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_index_not_concurrent = {
	.id = "index-not-concurrent",
	.reason = "CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole index build",
	.scale = LINT_BY_SIZE,
	.large = LINT_ERROR,
	.check = check,
	.examples = examples,
};
