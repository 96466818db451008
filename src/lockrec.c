/* lockrec.c: the lock record of a migration (see lockrec.h). */
#include "lockrec.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xmem.h"

/* PostgreSQL's 8 table lock modes, weakest first: pg_locks' names and the SQL ones */
static const char *const lock_names[8] = {"AccessShareLock",       "RowShareLock",          "RowExclusiveLock",
					  "ShareUpdateExclusiveLock", "ShareLock",          "ShareRowExclusiveLock",
					  "ExclusiveLock",         "AccessExclusiveLock"};
static const char *const modes[8] = {"ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
				     "SHARE",        "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"};

/* "ARRAY['a', 'b']" of the names given */
static char *text_array(const char *const *names)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "ARRAY[");
	for (int i = 0; i < 8; i++)
		strbuf_addf(&sb, "%s'%s'", i ? ", " : "", names[i]);
	strbuf_adds(&sb, "]::pg_catalog.text[]");
	return strbuf_detach(&sb);
}

/*
 * Whether the xid X is this transaction's own (its top level or a savepoint's): a row visible to
 * the statement whose xmin is still in progress can only be ours. age() is the signed distance
 * from the transaction's own xid, so txid_current() - age(X) is X with its epoch; only xids not
 * older than ours are asked (never "in the future", never too old to tell). CASE keeps the order.
 */
#define MINE(x)                                                                                                   \
	"CASE WHEN pg_catalog.age(" x ") <= 0 THEN pg_catalog.txid_status(pg_catalog.txid_current() - "           \
	"pg_catalog.age(" x ")) = 'in progress' ELSE false END"

/*
 * The relations below FirstNormalObjectId (16384) are initdb's: catalogs, their indexes and
 * TOAST tables, information_schema, system views, all of them left out by schema anyway.
 * Filtering pg_locks' rows on that first saves joining the catalogs' own locks (the file's DDL
 * and this very query take a dozen) to the catalogs: a third of the record's time.
 */
char *lockrec_sql(const char *history_regclass)
{
	char *names = text_array(lock_names), *words = text_array(modes);
	char *sql = xasprintf(
		"(SELECT COALESCE(pg_catalog.string_agg((%s)[r.rank] || ' ' || r.name, ', ' "
		"ORDER BY r.rank DESC, r.name), '') FROM ("
		"SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.relname) AS name, "
		"pg_catalog.max(pg_catalog.array_position(%s, l.mode)) AS rank "
		"FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation "
		"LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid "
		"JOIN pg_catalog.pg_class t ON t.oid = COALESCE(i.indrelid, c.oid) "
		"JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
		"WHERE l.relation OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid "
		"AND l.locktype = 'relation' AND l.granted AND l.pid = pg_catalog.pg_backend_pid() "
		"AND t.oid <> %s::pg_catalog.regclass "
		"AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema') AND t.relpersistence <> 't' "
		"AND t.relkind <> 'S' " /* a sequence's lock (nextval) blocks no one's reads or writes */
		"AND NOT (i.indexrelid IS NOT NULL AND " MINE("i.xmin") ") "
		"AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = -1 "
		"AND " MINE("a.xmin") ") "
		"AND NOT (t.relkind = 'v' AND EXISTS (SELECT FROM pg_catalog.pg_type y WHERE y.oid = t.reltype "
		"AND " MINE("y.xmin") ")) "
		"GROUP BY 1) r)",
		words, names, history_regclass);
	free(names);
	free(words);
	return sql;
}

/* the longest mode that s starts with, followed by a space; -1 for none */
static int mode_at(const char *s)
{
	int best = -1;
	size_t len = 0;
	for (int i = 0; i < 8; i++) {
		size_t n = strlen(modes[i]);
		if (n > len && strncmp(s, modes[i], n) == 0 && s[n] == ' ')
			best = i, len = n;
	}
	return best;
}

/* the end of a name starting at s: before ", " or the end, outside double quotes; NULL when a quote is open */
static const char *name_end(const char *s)
{
	int quoted = 0;
	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted; /* "" inside quotes toggles twice */
		else if (!quoted && s[0] == ',' && s[1] == ' ')
			return s;
	}
	return quoted ? NULL : s;
}

void lockrec_free(struct lockrec_item *items, int n)
{
	for (int i = 0; items && i < n; i++) {
		free(items[i].mode);
		free(items[i].table);
	}
	free(items);
}

int lockrec_parse(const char *text, struct lockrec_item **items)
{
	*items = NULL;
	if (!text)
		return -1;
	int n = 0;
	struct lockrec_item *out = NULL;
	const char *p = text;
	while (*p) {
		int m = mode_at(p);
		const char *name = m < 0 ? NULL : p + strlen(modes[m]) + 1;
		const char *end = name ? name_end(name) : NULL;
		if (!end || end == name) {
			lockrec_free(out, n);
			return -1;
		}
		out = xrealloc(out, (size_t)(n + 1) * sizeof(*out));
		out[n].mode = xstrdup(modes[m]);
		out[n].table = xstrndup(name, (size_t)(end - name));
		n++;
		p = *end ? end + 2 : end;
		if (*end && !*p) { /* a trailing ", " */
			lockrec_free(out, n);
			return -1;
		}
	}
	*items = out;
	return n;
}

void lockrec_json(struct strbuf *sb, const char *text)
{
	struct lockrec_item *items;
	int n = text ? lockrec_parse(text, &items) : -1;
	if (n < 0) {
		json_add_string(sb, text);
		return;
	}
	strbuf_addc(sb, '[');
	for (int i = 0; i < n; i++) {
		strbuf_adds(sb, i ? ",{" : "{");
		json_add_key(sb, "table");
		json_add_string(sb, items[i].table);
		json_add_key(sb, "mode");
		json_add_string(sb, items[i].mode);
		strbuf_addc(sb, '}');
	}
	strbuf_addc(sb, ']');
	lockrec_free(items, n);
}
