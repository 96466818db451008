/*
 * readers.c: the table of other tools' history readers (history_reader.h),
 * and what they share: finding a table by name and columns, matching a
 * tool's id to a local file, reading rows into foreign rows.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "history_reader.h"
#include "xmem.h"

/* one line per tool: its file src/adopt/<tool>.c defines reader_<tool> */
#define READERS \
	X(dbmate) \
	X(golang_migrate) \
	X(goose) \
	X(sql_migrate) \
	X(sqlx) \
	X(node_pg_migrate) \
	/* a new reader: one more X(<tool>) line above */

#define X(id) extern const struct history_reader reader_##id;
READERS
#undef X

#define X(id) &reader_##id,
const struct history_reader *const history_readers[] = {READERS NULL};
#undef X

const struct history_reader *history_reader_find(const char *name)
{
	for (size_t i = 0; history_readers[i]; i++)
		if (strcmp(history_readers[i]->name, name) == 0)
			return history_readers[i];
	return NULL;
}

void foreign_rows_free(struct foreign_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].hash);
		free(rows[i].applied_at);
		free(rows[i].unclean);
	}
	free(rows);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* "007" and "7" are the same number: compare without leading zeros */
static int same_number(const char *a, const char *b)
{
	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	return strcmp(a, b) == 0;
}

int foreign_id_names(const char *id, const struct migfile *mf)
{
	if (mf->tool_id)
		return strcmp(mf->tool_id, id) == 0;
	const char *v = mf->version.text;
	if (strcmp(v, id) == 0 || (all_digits(v) && all_digits(id) && same_number(v, id)))
		return 1;
	const char *slash = strrchr(mf->path, '/');
	const char *base = slash ? slash + 1 : mf->path;
	size_t n = strlen(base);
	if (strcmp(base, id) == 0)
		return 1;
	return n > 4 && strcmp(base + n - 4, ".sql") == 0 && strlen(id) == n - 4 && strncmp(base, id, n - 4) == 0;
}

#define FIND_TABLE_SQL                                                                                          \
	"SELECT n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.relname, "                        \
	"(SELECT pg_catalog.string_agg(a.attname OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) "            \
	"pg_catalog.format_type(a.atttypid, NULL), ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a "        \
	"WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) "                                      \
	"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "                    \
	"WHERE c.oid = pg_catalog.to_regclass($1) AND c.relkind IN ('r', 'p')"

int reader_find_table(struct db *db, const char *name, char **where, char **columns, struct pgb_error *err)
{
	const char *params[] = {name};
	struct db_result r;
	if (db_query(db, FIND_TABLE_SQL, 1, params, &r, err))
		return -1;
	int found = r.nrows == 1;
	if (found) {
		*where = xstrdup(db_cell(&r, 0, 0));
		*columns = xstrdup(db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
	}
	db_result_free(&r);
	return found;
}

int reader_has_columns(const char *columns, const char *want)
{
	size_t cl = strlen(columns);
	while (*want) {
		const char *end = strchr(want, ',');
		size_t wl = end ? (size_t)(end - want) : strlen(want);
		int found = 0;
		for (const char *c = columns; c && *c && !found;) {
			const char *ce = strchr(c, ',');
			size_t len = ce ? (size_t)(ce - c) : (size_t)(columns + cl - c);
			/* "name" alone: any type */
			int name_only = memchr(want, ':', wl) == NULL;
			found = name_only ? len > wl && c[wl] == ':' && strncmp(c, want, wl) == 0
					  : len == wl && strncmp(c, want, wl) == 0;
			c = ce ? ce + 1 : NULL;
		}
		if (!found)
			return 0;
		want += wl + (end != NULL);
	}
	return 1;
}

char *reader_sql_name(struct db *db, const char *where, struct pgb_error *err)
{
	const char *dot = strchr(where, '.');
	char *schema = xstrndup(where, (size_t)(dot - where));
	char *qs = db_quote_ident(db, schema, err);
	char *qt = qs ? db_quote_ident(db, dot + 1, err) : NULL;
	char *out = qt ? xasprintf("%s.%s", qs, qt) : NULL;
	free(schema);
	free(qs);
	free(qt);
	return out;
}

static char *cell_dup(const struct db_result *r, int row, int col)
{
	const char *c = db_cell(r, row, col);
	return c ? xstrdup(c) : NULL;
}

int reader_select(struct db *db, const char *where, const char *select, struct foreign_row **rows, size_t *n,
		  struct pgb_error *err)
{
	char *name = reader_sql_name(db, where, err);
	if (!name)
		return -1;
	char *sql = xasprintf(select, name);
	free(name);
	struct db_result r;
	int rc = db_query(db, sql, 0, NULL, &r, err);
	free(sql);
	if (rc)
		return -1;
	*rows = xcalloc((size_t)r.nrows + 1, sizeof(**rows));
	*n = (size_t)r.nrows;
	for (int i = 0; i < r.nrows; i++) {
		(*rows)[i].id = cell_dup(&r, i, 0);
		(*rows)[i].hash = cell_dup(&r, i, 1);
		(*rows)[i].applied_at = cell_dup(&r, i, 2);
		(*rows)[i].unclean = cell_dup(&r, i, 3);
	}
	db_result_free(&r);
	return 0;
}

int reader_probe_columns(struct db *db, const char *name, const char *want, char **where, struct pgb_error *err)
{
	char *columns = NULL;
	int rc = reader_find_table(db, name, where, &columns, err);
	if (rc == 1 && !reader_has_columns(columns, want)) {
		free(*where);
		*where = NULL;
		rc = 0;
	}
	free(columns);
	return rc;
}

int reader_table_schema_is(const char *where, char **schema)
{
	const char *dot = strchr(where, '.');
	*schema = xstrndup(where, (size_t)(dot - where));
	return 0;
}
