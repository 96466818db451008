/*
 * sql_migrate.c: sql-migrate's history (migrate.go, confirmed in its
 * source): gorp_migrations, made by gorp from MigrationRecord: id text
 * PRIMARY KEY (the file name, "1_init.sql"), applied_at timestamp with time
 * zone, and in recent releases checksum text (SHA-256 hex of the whole
 * file; older tables lack it and are read without it). No failed state:
 * a migration's row is inserted in its transaction.
 *
 * Lock: none. sql-migrate takes no advisory lock (migrate.go's
 * ExecMaxContext plans and applies without one).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "history_reader.h"
#include "reader_util.h"

static int probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe_columns(db, "gorp_migrations", "id:text,applied_at", where, err);
}

static int read_rows(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err)
{
	char *w = NULL, *columns = NULL;
	int rc = reader_find_table(db, "gorp_migrations", &w, &columns, err);
	int has_checksum = rc == 1 && reader_has_columns(columns, "checksum");
	free(w);
	free(columns);
	if (rc < 0)
		return -1;
	return reader_select(db, where,
			     has_checksum ? "SELECT id, NULLIF(checksum, ''), " READER_UTC("applied_at") ", NULL FROM %s ORDER BY id"
					  : "SELECT id, NULL, " READER_UTC("applied_at") ", NULL FROM %s ORDER BY id",
			     rows, n, err);
}

/* SHA-256 hex of the whole file, as sql-migrate's ParseMigration hashes it */
static int same_content(const struct foreign_row *row, const struct migfile *mf)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	crypto_hash_sha256(d, (const unsigned char *)mf->content, mf->len);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	return strcmp(hex, row->hash) == 0;
}

const struct history_reader reader_sql_migrate = {
	.name = "sql-migrate",
	.table = "gorp_migrations",
	.probe = probe,
	.read = read_rows,
	.matches = reader_matches_id,
	.same_content = same_content,
	.lock_key = NULL,
};
