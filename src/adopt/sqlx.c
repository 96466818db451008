/*
 * sqlx.c: sqlx's history (sqlx-postgres/src/migrate.rs, confirmed in its
 * source): _sqlx_migrations (version bigint PRIMARY KEY, description text,
 * installed_on timestamptz DEFAULT now(), success boolean, checksum bytea,
 * execution_time bigint). A success = false row is a failed migration
 * (dirty_version), refused. checksum = SHA-384 of the migration's SQL as
 * read from its file (sqlx-core/src/migrate/migration.rs Migration::new:
 * Sha384::digest(sql.as_bytes())).
 *
 * Lock: pg_advisory_lock(generate_lock_id(current_database())) =
 * 0x3d32ad9e * crc32 (CRC_32_ISO_HDLC) of the name, i64 (foreign_lock.h).
 */
#include <string.h>

#include "foreign_lock.h"
#include "history_reader.h"
#include "reader_util.h"

static int probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe_columns(db, "_sqlx_migrations", "version:bigint,success:boolean,checksum:bytea", where, err);
}

static int read_rows(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT version::text, pg_catalog.encode(checksum, 'hex'), " READER_UTC("installed_on") ", "
			     "CASE WHEN NOT success THEN 'success = false' END FROM %s ORDER BY version",
			     rows, n, err);
}

/* the file's bytes: the whole file, or the up file of a pair (its down file is appended after up_len) */
static int same_content(const struct foreign_row *row, const struct migfile *mf)
{
	char hex[97];
	sha384_hex(mf->content, mf->down_path ? mf->up_len : mf->len, hex);
	return strcmp(hex, row->hash) == 0;
}

static int lock_key(struct db *db, const char *where, long long *key, struct pgb_error *err)
{
	(void)where;
	(void)err;
	*key = sqlx_lock_key(db_database(db));
	return 1;
}

const struct history_reader reader_sqlx = {
	.name = "sqlx",
	.table = "_sqlx_migrations",
	.probe = probe,
	.read = read_rows,
	.matches = reader_matches_id,
	.same_content = same_content,
	.lock_key = lock_key,
};
