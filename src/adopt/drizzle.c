/*
 * drizzle.c: drizzle's history, drizzle.__drizzle_migrations (id serial,
 * hash text, created_at bigint), read from drizzle-orm 0.45's
 * pg-core/dialect.js and migrator.js (npm):
 * - created_at is the journal entry's "when" (meta/_journal.json, epoch
 *   ms), not the time it ran: drizzle keeps no applied time;
 * - hash is the SHA-256 hex of the .sql file's whole text as read (no
 *   line-ending folding in 0.45; a checkout with CRLF line endings hashes
 *   differently, so both are tried);
 * - drizzle applies every journal entry whose when is newer than the
 *   latest created_at, in one transaction, and never compares the hash;
 *   it takes no advisory lock.
 * A row matches a file by created_at = the journal's when (migfile.tool_id),
 * else by its hash.
 */
#include <string.h>

#include "history_reader.h"
#include "reader_util.h"

static int drizzle_probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe(db, "drizzle.__drizzle_migrations", "id:integer,hash:text,created_at:bigint", where, err);
}

static int drizzle_read(struct db *db, const char *where, struct foreign_row **out, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT COALESCE(created_at::pg_catalog.text, ''), hash, NULL, NULL FROM %s ORDER BY id", out,
			     n, err);
}

/* 1 when hash is the file's SHA-256 as drizzle took it: its raw text, or with CRLF folded */
static int same_hash(const char *hash, const struct migfile *mf)
{
	char mine[65];
	reader_sha256_hex(mf->content, mf->up_len, mine);
	if (strcmp(mine, hash) == 0)
		return 1;
	migfile_checksum(mf->content, mf->up_len, mine);
	return strcmp(mine, hash) == 0;
}

static int drizzle_matches(const struct foreign_row *row, const struct migfile *mf)
{
	if (mf->tool_id && strcmp(row->id, mf->tool_id) == 0)
		return 1;
	return row->hash && same_hash(row->hash, mf);
}

static int drizzle_same_content(const struct foreign_row *row, const struct migfile *mf)
{
	return row->hash ? same_hash(row->hash, mf) : -1;
}

const struct history_reader reader_drizzle = {
	.name = "drizzle",
	.table = "drizzle.__drizzle_migrations",
	.probe = drizzle_probe,
	.read = drizzle_read,
	.matches = drizzle_matches,
	.same_content = drizzle_same_content,
};
