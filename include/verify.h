/*
 * verify.h: the checks. Built-in ones (no pending migrations, history
 * matches files, no index left INVALID) and the files of verify/, each a
 * query whose rows are violations, all in one BEGIN READ ONLY transaction.
 */
#ifndef PGB_VERIFY_H
#define PGB_VERIFY_H

#include "db.h"
#include "error.h"
#include "plan.h"
#include "source.h"

/*
 * Refuse (78, file:line) a check with transaction control: BEGIN, COMMIT,
 * SAVEPOINT ..., as the server reads the check with either value of
 * standard_conforming_strings (in one message: a SET inside changes nothing).
 */
int verify_check_files(const struct checkset *set, struct pgb_error *err);

/*
 * The query verify_run starts with when it can be asked ahead of time (with
 * the history, in one round trip), or NULL: with user checks, which run in
 * their own read-only transaction, there is none.
 */
const char *verify_probe_sql(const struct checkset *checks);
/*
 * The invalid indexes a failed concurrent build left behind (one being built
 * now is not one), in name order: columns schema, index, and fix (the
 * DROP INDEX CONCURRENTLY that removes it, without a semicolon).
 */
extern const char *const verify_invalid_index_sql;

/*
 * Run every check, logging each failure with its first rows. probe is the
 * answer to verify_probe_sql's query when it was asked already, or NULL.
 * The user checks run in the state a new session of the same login gets
 * (pgboot's statement_timeout_ms included), whatever a migration SET.
 * Returns 0 when all pass, or -1 with err (4 when checks failed, or a
 * connection error).
 */
int verify_run(struct db *db, long long statement_timeout_ms, const struct plan *p, const struct checkset *checks,
	       const struct db_result *probe, struct pgb_error *err);
/*
 * Both: a check saying "-- pgboot:requires VERSION" is skipped (logged) while
 * p has no finished history row of that migration version.
 *
 * verify_run_applied: after a rollback, when the files hold migrations not
 * applied by design: the plan's built-in checks (pending, drift) do not run;
 * the invalid-index check and the user checks do, their requires judged
 * against p built from the history as the rollback left it.
 */
int verify_run_applied(struct db *db, long long statement_timeout_ms, const struct plan *p,
		       const struct checkset *checks, struct pgb_error *err);

#endif
