/*
 * golang_migrate.c: golang-migrate's history (database/postgres/postgres.go,
 * confirmed in its source): schema_migrations (version bigint NOT NULL
 * PRIMARY KEY, dirty boolean NOT NULL), at most one row, in the
 * connection's current schema. Every file whose version is at most that
 * version counts as applied; dirty = the migration `version` stopped half
 * way ("partial migration N"), refused. Told apart from dbmate's table by
 * the dirty column.
 *
 * Lock: pg_advisory_lock of database/util.go's GenerateAdvisoryLockId(
 * current_database(), schema, table): crc32 of "schema\\0table\\0db" times
 * 1486364155 in uint32 (foreign_lock.h).
 */
#include <stdlib.h>
#include <string.h>

#include "foreign_lock.h"
#include "history_reader.h"
#include "reader_util.h"

static int probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe_columns(db, "schema_migrations", "version:bigint,dirty:boolean", where, err);
}

/* the one row stands for its version and every older file (adopt.c's upto) */
static int mark_upto(struct foreign_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rows[i].upto = 1;
	return 0;
}

static int read_rows(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT version::text, NULL, NULL, CASE WHEN dirty THEN 'dirty: partial migration ' "
			     "OPERATOR(pg_catalog.||) version::text END FROM %s ORDER BY version",
			     rows, n, err) ? -1 : mark_upto(*rows, *n);
}

static int lock_key(struct db *db, const char *where, long long *key, struct pgb_error *err)
{
	(void)err;
	char *schema;
	reader_table_schema_is(where, &schema);
	*key = golang_migrate_lock_key(db_database(db), schema, strchr(where, '.') + 1);
	free(schema);
	return 1;
}

const struct history_reader reader_golang_migrate = {
	.name = "golang-migrate",
	.table = "schema_migrations",
	.probe = probe,
	.read = read_rows,
	.matches = reader_matches_id, /* the recorded version's own file: every older one comes with it (upto) */
	.same_content = NULL,
	.lock_key = lock_key,
};
