/*
 * goose.c: goose's history (internal/dialect/dialectquery/postgres.go,
 * confirmed in its source): goose_db_version (id serial or identity,
 * version_id bigint, is_applied boolean, tstamp timestamp DEFAULT now()).
 * goose writes a version_id 0 row when it creates the table (peers.md, not
 * re-read in goose's source here): no migration, ignored either way. A version is applied when its latest row (by id) says
 * is_applied; older goose wrote an is_applied = false row on down, newer
 * deletes the rows. A version whose latest row is such a down row is
 * refused (issue 14: "a goose down row"): the history was rolled back by
 * hand-picked steps pgboot does not second-guess.
 *
 * Lock: goose's session locker (lock/postgres.go) takes
 * pg_try_advisory_lock(5887940537704921958), crc64-ECMA of "goose".
 */
#include "history_reader.h"
#include "reader_util.h"

#define GOOSE_LOCK_KEY 5887940537704921958LL

static int probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe_columns(db, "goose_db_version", "version_id:bigint,is_applied:boolean,tstamp,id", where, err);
}

static int read_rows(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT version_id::text, NULL, " READER_UTC("tstamp::timestamptz") ", "
			     "CASE WHEN NOT is_applied THEN 'a down row (is_applied = false)' END "
			     "FROM (SELECT DISTINCT ON (version_id) * FROM %s WHERE version_id OPERATOR(pg_catalog.<>) 0 "
			     "ORDER BY version_id, id DESC) latest ORDER BY version_id",
			     rows, n, err);
}

READER_FIXED_LOCK_KEY(lock_key, GOOSE_LOCK_KEY)

const struct history_reader reader_goose = {
	.name = "goose",
	.table = "goose_db_version",
	.probe = probe,
	.read = read_rows,
	.matches = reader_matches_id,
	.same_content = NULL,
	.lock_key = lock_key,
};
