/* reader_util.c: what the history readers share (see reader_util.h). */
#include "reader_util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "version.h"
#include "xmem.h"

/* $1 the name, $2 the schema or '', $3 the columns as a text[] literal */
static const char find_sql[] =
	"SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), "
	"(SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid "
	"AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped "
	"AND a.attname OPERATOR(pg_catalog.=) ANY ($3::pg_catalog.name[])) "
	"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
	"WHERE c.relkind IN ('r', 'p') AND c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(CASE WHEN $2 "
	"OPERATOR(pg_catalog.=) '' THEN pg_catalog.quote_ident($1) ELSE pg_catalog.quote_ident($2) "
	"OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident($1) END)";

int reader_find_table(struct db *db, const char *schema, const char *name, const char *const *cols, char **where,
		      struct pgb_error *err)
{
	struct strbuf arr;
	strbuf_init(&arr);
	strbuf_add(&arr, "{", 1);
	size_t ncols = 0;
	for (; cols[ncols]; ncols++) {
		if (ncols)
			strbuf_add(&arr, ",", 1);
		strbuf_add(&arr, cols[ncols], strlen(cols[ncols]));
	}
	strbuf_add(&arr, "}", 1);
	const char *params[3] = {name, schema ? schema : "", arr.buf};
	struct db_result r;
	int rc = db_query(db, find_sql, 3, params, &r, err);
	strbuf_free(&arr);
	if (rc)
		return -1;
	int found = r.nrows == 1 && strtoul(db_cell(&r, 0, 1), NULL, 10) == ncols;
	if (found)
		*where = xstrdup(db_cell(&r, 0, 0));
	db_result_free(&r);
	return found;
}

int reader_table_names(struct db *db, const char *where, char **schema, char **table, struct pgb_error *err)
{
	const char *params[1] = {where};
	struct db_result r;
	if (db_query(db,
		     "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
		     "ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
		     "WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)",
		     1, params, &r, err))
		return -1;
	if (r.nrows != 1) {
		db_result_free(&r);
		return pgb_fail(err, PGB_EXIT_INTERNAL, "table \"%s\" is gone", where);
	}
	*schema = xstrdup(db_cell(&r, 0, 0));
	*table = xstrdup(db_cell(&r, 0, 1));
	db_result_free(&r);
	return 0;
}

int reader_select(struct db *db, const char *fmt, const char *where, struct db_result *res, struct pgb_error *err)
{
	char *sql = xasprintf(fmt, where);
	int rc = db_query(db, sql, 0, NULL, res, err);
	free(sql);
	return rc;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct foreign_row *reader_add(struct reader_rows *rows, const char *id, const char *hash, const char *applied_at,
			       const char *unclean)
{
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? 2 * rows->cap : 16;
		rows->v = xrealloc(rows->v, rows->cap * sizeof(*rows->v));
	}
	struct foreign_row *row = &rows->v[rows->n++];
	row->id = dup_or_null(id);
	row->hash = dup_or_null(hash);
	row->applied_at = dup_or_null(applied_at);
	row->unclean = dup_or_null(unclean);
	row->upto = 0;
	return row;
}

void reader_remove(struct reader_rows *rows, size_t i)
{
	struct foreign_row *row = &rows->v[i];
	free(row->id);
	free(row->hash);
	free(row->applied_at);
	free(row->unclean);
	memmove(row, row + 1, (rows->n - i - 1) * sizeof(*row));
	rows->n--;
}

int reader_done(struct reader_rows *rows, struct foreign_row **out, size_t *n)
{
	*out = rows->v;
	*n = rows->n;
	rows->v = NULL;
	rows->n = rows->cap = 0;
	return 0;
}

int reader_version_matches(const char *id, const struct migfile *mf)
{
	if (mf->tool_id)
		return strcmp(id, mf->tool_id) == 0;
	if (strcmp(id, mf->version.text) == 0)
		return 1;
	struct pgb_version v;
	if (version_parse_text(id, &v))
		return 0;
	int same = version_compare(&v, &mf->version) == 0;
	version_free(&v);
	return same;
}

void reader_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}
