/*
 * migrate.h: apply the pending migrations, then the pending seeds, of a
 * plan. Each transactional file is one transaction holding its SQL and its
 * history row, sent as one simple-query message: one round trip. A lock
 * timeout (SQLSTATE 55P03) is retried with backoff; any other error rolls the
 * file back, stops, and is reported with file:line:column (exit 3).
 *
 * After every file, in its own last message, the session is put back as
 * connect left it (RESET SESSION AUTHORIZATION, ROLE, ALL; never DISCARD
 * ALL) before its history row is written, and in --lock-mode session the
 * migration lock is confirmed held (lock.h): if a file released it, the run
 * stops with 75 naming the file.
 */
#ifndef PGB_MIGRATE_H
#define PGB_MIGRATE_H

#include "config.h"
#include "db.h"
#include "error.h"
#include "history.h"
#include "plan.h"

/*
 * How a file is sent:
 *   ONE_MESSAGE    BEGIN; SET LOCAL lock_timeout; file; history row; COMMIT: one round trip
 *   WRAPPED        the file's own first BEGIN and last COMMIT become pgboot's: still one message
 *   NO_TRANSACTION a directive asked: statement by statement, autocommit; a statement that can
 *                  share a transaction block goes with its progress and the lock check (one
 *                  round trip), one that cannot (CONCURRENTLY, VACUUM, DO ...) alone
 *   STEPWISE       transaction control in the middle: pgboot's BEGIN, then statement by
 *                  statement with the file's COMMIT/BEGIN taking effect, then the row and COMMIT
 * The last two are not atomic: their history row records progress.
 */
enum apply_mode { MODE_ONE_MESSAGE, MODE_WRAPPED, MODE_NO_TRANSACTION, MODE_STEPWISE };

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
 * cfg->lock_mode is LOCK_TRANSACTION; a half-applied file that is not safe to
 * re-run is refused (5), and one whose progress counts every statement (only
 * its finish was lost) is only marked finished when applied. Returns 0 with
 * jobs filled (free with migrate_jobs_free), or -1.
 */
int migrate_preflight(const struct pgb_config *cfg, const struct plan *p, long long key, int scs,
		      struct migrate_jobs *jobs, struct pgb_error *err);
void migrate_jobs_free(struct migrate_jobs *jobs);
/*
 * Apply the jobs in order. With LOCK_TRANSACTION the caller has opened the
 * run's transaction: each file runs in a savepoint, is logged as run (not
 * applied), and the caller commits with migrate_commit. Returns 0, or -1
 * with err (3, 69, 128+N ...).
 */
int migrate_apply(struct db *db, const struct pgb_config *cfg, const struct history *h,
		  const struct migrate_jobs *jobs, struct pgb_error *err);
/*
 * LOCK_TRANSACTION: COMMIT the run's transaction and log what it applied.
 * Returns 0, or -1 with err: 3 when the server refused the COMMIT (a
 * deferred constraint: everything is rolled back), 69 when the connection
 * was lost (the outcome is unknown until the history is read again).
 */
int migrate_commit(struct db *db, const struct migrate_jobs *jobs, struct pgb_error *err);

#endif
