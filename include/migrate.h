/*
 * migrate.h: apply the pending migrations, then the pending seeds, of a
 * plan. Each file is split and checked by the rules before anything runs,
 * then sent by the executor (apply.h) with its history row: a transactional
 * file is one transaction holding its SQL and its row, in one message; any
 * error rolls the file back and stops the run (exit 3, file:line:column),
 * a released migration lock stops it with 75 naming the file.
 */
#ifndef PGB_MIGRATE_H
#define PGB_MIGRATE_H

#include "apply.h"
#include "db.h"
#include "error.h"
#include "history.h"
#include "plan.h"

struct migrate_job; /* one pending file, split and classified */

struct migrate_jobs {
	struct migrate_job *jobs;
	size_t n;
};

/*
 * Split and check every pending file of the plan before anything is
 * applied, as the server will read it (scs: the session's
 * standard_conforming_strings as connect left it, 1 for on; a file sent in
 * one message is lexed whole with it, one sent statement by statement
 * follows its own SETs): psql meta-commands, COPY FROM STDIN, a top-level ROLLBACK and
 * what can release the migration lock (key: DISCARD ALL,
 * pg_advisory_unlock_all, sqlsplit.h's sql_stmt_unlocks) are refused with
 * file:line (78), and so is a file that cannot be atomic when
 * o->run_transaction; a half-applied file that is not safe to
 * re-run is refused (5), and one whose progress counts every statement (only
 * its finish was lost) is only marked finished when applied. Returns 0 with
 * jobs filled (free with migrate_jobs_free), or -1.
 */
int migrate_preflight(const struct apply_opts *o, const struct plan *p, long long key, int scs,
		      struct migrate_jobs *jobs, struct pgb_error *err);
struct repeatables;
/*
 * Append to jobs, split and checked as migrate_preflight's, the repeatable
 * migrations of rs (repeatable.h) to apply: after the versioned ones, each
 * with the upsert of its row beside the history. Returns 0, or -1 (jobs
 * freed).
 */
int migrate_preflight_repeatables(const struct apply_opts *o, const struct repeatables *rs, long long key, int scs,
				  struct migrate_jobs *jobs, struct pgb_error *err);
void migrate_jobs_free(struct migrate_jobs *jobs);
/*
 * Apply the jobs in order. With o->run_transaction the caller has opened the
 * run's transaction: each file runs in a savepoint, is logged as run (not
 * applied), and the caller commits with migrate_commit. Returns 0, or -1
 * with err (3, 69, 128+N ...).
 */
int migrate_apply(struct db *db, const struct apply_opts *o, const struct history *h,
		  const struct migrate_jobs *jobs, struct pgb_error *err);
/*
 * o->run_transaction: COMMIT the run's transaction and log what it applied.
 * Returns 0, or -1 with err: 3 when the server refused the COMMIT (a
 * deferred constraint: everything is rolled back), 69 when the connection
 * was lost (the outcome is unknown until the history is read again).
 */
int migrate_commit(struct db *db, const struct migrate_jobs *jobs, struct pgb_error *err);

#endif
