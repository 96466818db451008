/* reader_util.c: what the history readers share (see reader_util.h). */
#include "reader_util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "xmem.h"

int reader_probe(struct db *db, const char *name, const char *want, char **where, struct pgb_error *err)
{
	char *columns = NULL;
	*where = NULL;
	int rc = reader_find_table(db, name, where, &columns, err);
	if (rc == 1 && !reader_has_columns(columns, want))
		rc = 0;
	free(columns);
	if (rc != 1) {
		free(*where);
		*where = NULL;
	}
	return rc;
}

void reader_split_where(const char *where, char **schema, char **table)
{
	const char *dot = strchr(where, '.');
	*schema = xstrndup(where, (size_t)(dot - where));
	*table = xstrdup(dot + 1);
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

/* the exact readers' matches: the row's id names mf (history_reader.h's foreign_id_names) */
int reader_matches_id(const struct foreign_row *row, const struct migfile *mf)
{
	return foreign_id_names(row->id, mf);
}
