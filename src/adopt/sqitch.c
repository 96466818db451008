/*
 * sqitch.c: sqitch's registry, the schema sqitch (App/Sqitch/Engine/pg.sql):
 * changes(change_id, script_hash, change, project, committed_at, ...) holds
 * the changes deployed now (a revert deletes the row), events(event in
 * deploy/revert/fail/merge, change, project, committed_at, ...) everything
 * that happened.
 * - script_hash (App/Sqitch/Plan/Change.pm): SHA-1 hex of the deploy
 *   script's raw bytes (deploy/<change>.sql);
 * - lock (App/Sqitch/Engine/pg.pm): pg_advisory_lock(75474063);
 * - a failed deploy leaves no changes row but a 'fail' event, and the
 *   script may have run in part (sqitch's scripts hold their own
 *   BEGIN/COMMIT, which a script may lack): when the registry's newest
 *   event is a 'fail', the database is not clean, and adopting refuses
 *   until sqitch (revert or deploy) or a person settles it;
 * - one registry may hold several projects: adopting takes one, so a
 *   registry with two is a configuration error (78).
 * Mapping: sqitch's files are deploy/<change>.sql in sqitch.plan's order;
 * pgboot runs them converted to its own layout, one file per change, named
 * "<version>_<change>.sql": a change matches the file whose name part (or
 * tool_id) is the change's name.
 */
#include <stdlib.h>
#include <string.h>

#include "foreign_hash.h"
#include "history_reader.h"
#include "reader_util.h"
#include "xmem.h"

static int sqitch_probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe(db, "sqitch.changes",
			    "change_id:text,script_hash:text,change:text,project:text,committed_at:timestamp with time zone",
			    where, err);
}

/* fmt's %s replaced by where quoted, into r: 0 or -1 */
static int query_on(struct db *db, const char *fmt, const char *where, struct db_result *r, struct pgb_error *err)
{
	char *name = reader_sql_name(db, where, err);
	if (!name)
		return -1;
	char *sql = xasprintf(fmt, name);
	int rc = db_query(db, sql, 0, NULL, r, err);
	free(sql);
	free(name);
	return rc;
}

/* the project, or -1: none (0 rows) is fine, two are 78 */
static int one_project(struct db *db, const char *where, struct pgb_error *err)
{
	struct db_result r;
	if (query_on(db, "SELECT DISTINCT project FROM %s ORDER BY 1", where, &r, err))
		return -1;
	if (r.nrows > 1) {
		pgb_fail(err, PGB_EXIT_CONFIG, "the sqitch registry \"%s\" holds %d projects", where, r.nrows);
		pgb_error_detail(err, "Projects \"%s\" and \"%s\" are deployed in this database.", db_cell(&r, 0, 0),
				 db_cell(&r, 1, 0));
		pgb_error_hint(err, "Adopt one project per database, or move the other project's registry first.");
		db_result_free(&r);
		return -1;
	}
	db_result_free(&r);
	return 0;
}

static int sqitch_read(struct db *db, const char *where, struct foreign_row **out, size_t *n, struct pgb_error *err)
{
	if (one_project(db, where, err))
		return -1;
	struct db_result r;
	if (query_on(db, "SELECT change, script_hash, " READER_UTC("committed_at") " FROM %s ORDER BY committed_at", where,
		     &r, err))
		return -1;
	struct reader_rows rows = {0};
	for (int i = 0; i < r.nrows; i++)
		reader_add(&rows, db_cell(&r, i, 0), db_cell(&r, i, 1), db_cell(&r, i, 2), NULL);
	db_result_free(&r);
	/* events is sqitch's own neighbour of changes; a registry without it is not sqitch's */
	int rc = db_query(db,
			  "SELECT change, " READER_UTC("committed_at") " FROM sqitch.events "
			  "WHERE event OPERATOR(pg_catalog.=) 'fail' AND committed_at OPERATOR(pg_catalog.=) "
			  "(SELECT pg_catalog.max(committed_at) FROM sqitch.events)",
			  0, NULL, &r, err);
	if (rc) {
		foreign_rows_free(rows.v, rows.n);
		return -1;
	}
	for (int i = 0; i < r.nrows; i++)
		reader_add(&rows, db_cell(&r, i, 0), NULL, db_cell(&r, i, 1),
			   "the newest sqitch event is a failed deploy of this change (its script may have run in part)");
	db_result_free(&r);
	return reader_done(&rows, out, n);
}

static int sqitch_matches(const struct foreign_row *row, const struct migfile *mf)
{
	return strcmp(row->id, mf->tool_id ? mf->tool_id : mf->name) == 0;
}

static int sqitch_same_content(const struct foreign_row *row, const struct migfile *mf)
{
	if (!row->hash)
		return -1;
	char mine[41];
	sha1_hex(mf->content, mf->up_len, mine);
	return strcmp(mine, row->hash) == 0;
}

READER_FIXED_LOCK_KEY(sqitch_lock_key, 75474063)

const struct history_reader reader_sqitch = {
	.name = "sqitch",
	.table = "sqitch.changes",
	.probe = sqitch_probe,
	.read = sqitch_read,
	.matches = sqitch_matches,
	.same_content = sqitch_same_content,
	.lock_key = sqitch_lock_key,
};
