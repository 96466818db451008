/*
 * dbmate.c: dbmate's history (pkg/driver/postgres/postgres.go, confirmed in
 * its source): <schema>.schema_migrations (version varchar(255) PRIMARY KEY),
 * one row per applied file, version = the file name's leading digits
 * (pkg/dbmate/db.go FindMigrations); no time, no hash, no dirty state (a
 * file runs in one transaction with its insert, or without one and leaves
 * no row when it fails). The schema is the first of the URL's search_path,
 * else current_schema(): where search_path finds the table.
 *
 * Look-alikes: golang-migrate's schema_migrations has a dirty column;
 * Rails' is a lone "version character varying" too, told apart by Rails'
 * ar_internal_metadata table beside it.
 *
 * Lock: none. dbmate's Migrate (pkg/dbmate/db.go) takes no advisory lock
 * and no table lock on PostgreSQL: nothing pgboot could hold to keep a
 * concurrent dbmate out (adopt.h says what pgboot does instead).
 */
#include <stdlib.h>
#include <string.h>

#include "history_reader.h"
#include "reader_util.h"

static int probe(struct db *db, char **where, struct pgb_error *err)
{
	char *columns = NULL;
	int rc = reader_find_table(db, "schema_migrations", where, &columns, err);
	if (rc == 1 && strcmp(columns, "version:character varying") != 0)
		rc = 0;
	free(columns);
	if (rc == 1) {
		/* Rails keeps ar_internal_metadata beside it */
		char *w2 = NULL, *c2 = NULL;
		int rails = reader_find_table(db, "ar_internal_metadata", &w2, &c2, err);
		free(w2);
		free(c2);
		if (rails != 0)
			rc = rails < 0 ? -1 : 0;
	}
	if (rc != 1) {
		free(*where);
		*where = NULL;
	}
	return rc;
}

static int read_rows(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where, "SELECT version, NULL, NULL, NULL FROM %s ORDER BY version", rows, n, err);
}

const struct history_reader reader_dbmate = {
	.name = "dbmate",
	.table = "schema_migrations",
	.probe = probe,
	.read = read_rows,
	.matches = reader_matches_id,
	.same_content = NULL,
	.lock_key = NULL,
};
