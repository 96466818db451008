/*
 * prisma.c: Prisma Migrate's history, _prisma_migrations, as prisma-engines
 * creates it (sql-schema-connector's postgres flavour,
 * create_migrations_table): id varchar(36), checksum varchar(64),
 * finished_at timestamptz, migration_name varchar(255), logs text,
 * rolled_back_at timestamptz, started_at timestamptz, applied_steps_count
 * int. A migration is applied when a row of it has finished_at set and
 * rolled_back_at null; a row with neither is a failed (or running)
 * migration that prisma migrate deploy refuses to go past (P3009):
 * unclean; a rolled-back row is history that no longer counts.
 * migration_name is the migration's directory name (migfile.tool_id).
 * checksum (checksum.rs): SHA-256 hex of migration.sql; prisma accepts the
 * script as is, with CRLF folded to LF, or with LF turned into CRLF, and
 * old rows whose hex digits were not zero-padded. Lock: prisma-engines
 * takes pg_advisory_lock(72707369) ("a unique number we chose to
 * identify Migrate").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "history_reader.h"
#include "reader_util.h"
#include "xmem.h"

static int prisma_probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe(db, "_prisma_migrations",
			    "id:character varying,checksum:character varying,finished_at:timestamp with time zone,"
			    "migration_name:character varying,rolled_back_at:timestamp with time zone,"
			    "started_at:timestamp with time zone,applied_steps_count:integer",
			    where, err);
}

static int prisma_read(struct db *db, const char *where, struct foreign_row **out, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT migration_name, checksum, " READER_UTC("finished_at") ", CASE WHEN finished_at IS NULL "
			     "THEN 'finished_at and rolled_back_at are null: the migration failed (or is running); "
			     "prisma migrate resolve settles it' END FROM %s WHERE rolled_back_at IS NULL "
			     "ORDER BY started_at, migration_name",
			     out, n, err);
}

static int prisma_matches(const struct foreign_row *row, const struct migfile *mf)
{
	if (mf->tool_id)
		return strcmp(row->id, mf->tool_id) == 0;
	/* a file in pgboot's own layout named after the directory: "<version>_<name>" */
	char *dir = xasprintf("%s_%s", mf->version.text, mf->name);
	int same = strcmp(row->id, dir) == 0;
	free(dir);
	return same;
}

/* 1 when hash is prisma's checksum of text: zero-padded hex, or the old unpadded one */
static int checksum_is(const char *hash, const char *text, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)text, len);
	char hex[65], old[65], *o = old;
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (size_t i = 0; i < sizeof(h); i++)
		o += snprintf(o, 3, "%x", h[i]);
	return strcmp(hash, hex) == 0 || strcmp(hash, old) == 0;
}

static int prisma_same_content(const struct foreign_row *row, const struct migfile *mf)
{
	if (!row->hash)
		return -1;
	const char *text = mf->content;
	size_t len = mf->up_len;
	if (checksum_is(row->hash, text, len))
		return 1;
	/* the text with CRLF folded, then with every LF made CRLF (prisma's replace('\n', "\r\n")) */
	char *folded = xmalloc(len + 1), *crlf = xmalloc(2 * len + 1);
	size_t nf = 0, nc = 0;
	for (size_t i = 0; i < len; i++)
		if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			folded[nf++] = text[i];
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			crlf[nc++] = '\r';
		crlf[nc++] = text[i];
	}
	int same = checksum_is(row->hash, folded, nf) || checksum_is(row->hash, crlf, nc);
	free(folded);
	free(crlf);
	return same;
}

READER_FIXED_LOCK_KEY(prisma_lock_key, 72707369)

const struct history_reader reader_prisma = {
	.name = "prisma",
	.table = "_prisma_migrations",
	.probe = prisma_probe,
	.read = prisma_read,
	.matches = prisma_matches,
	.same_content = prisma_same_content,
	.lock_key = prisma_lock_key,
};
