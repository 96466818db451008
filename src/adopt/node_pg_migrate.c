/*
 * node_pg_migrate.c: node-pg-migrate's history (src/runner.ts, confirmed in
 * its source): pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT
 * NULL, run_on timestamp NOT NULL), one row per applied migration, name =
 * the file name without its extension, run_on = NOW() at the insert. No
 * hash, no failed state (a migration and its row commit together).
 *
 * Lock: pg_try_advisory_lock(PG_MIGRATE_LOCK_ID = 7241865325823964), "random
 * but well-known, shared by all instances of node-pg-migrate".
 */
#include "history_reader.h"
#include "reader_util.h"

#define NODE_PG_MIGRATE_LOCK_KEY 7241865325823964LL

static int probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe_columns(db, "pgmigrations", "id,name,run_on", where, err);
}

static int read_rows(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT name, NULL, " READER_UTC("run_on::timestamptz") ", NULL FROM %s ORDER BY run_on, id",
			     rows, n, err);
}

READER_FIXED_LOCK_KEY(lock_key, NODE_PG_MIGRATE_LOCK_KEY)

const struct history_reader reader_node_pg_migrate = {
	.name = "node-pg-migrate",
	.table = "pgmigrations",
	.probe = probe,
	.read = read_rows,
	.matches = reader_matches_id,
	.same_content = NULL,
	.lock_key = lock_key,
};
