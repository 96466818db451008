/*
 * lock.h: the migration lock, a session-level advisory lock on the
 * migrating connection (--lock-mode transaction: a transaction-level one), on
 * lock_key (lockkey.h). Polled
 * with pg_try_advisory_lock so pgboot can say who holds it and give up.
 * A session lock that a transaction pooler would strand on a pooled server
 * connection is detected, released and refused (78).
 * The session lock is held twice (the check below gives one back and takes
 * it again) and released twice.
 */
#ifndef PGB_LOCK_H
#define PGB_LOCK_H

#include "db.h"
#include "error.h"
#include "lockkey.h"

/*
 * Take the lock, waiting up to timeout_ms and logging the holder every few
 * seconds. With begin (the statements that open the run's transaction,
 * "BEGIN; SET LOCAL ..."), a transaction-level lock: each attempt opens the
 * transaction and rolls it back when the lock is busy, so no transaction
 * stays open while pgboot waits; once held, the transaction stays open
 * (COMMIT or ROLLBACK releases the lock). Without begin, a session lock,
 * checked to stay with the session: *pid is the server process that holds
 * it, for lock_release. Returns 0 when held, or -1 with err: 75 on timeout,
 * 78 when a transaction pooler moved the session (the lock is released
 * again), 128+N on a signal, or a database error.
 */
int lock_acquire(struct db *db, long long key, long long timeout_ms, const char *begin, int *pid,
		 struct pgb_error *err);
/*
 * Release the session lock taken on server process pid; failures are
 * logged, since closing the session releases it too.
 */
void lock_release(struct db *db, long long key, int pid);

/*
 * A statement to append to a message that ran something of a file: it fails
 * with SQLSTATE LOCK_LOST_SQLSTATE (invalid_text_representation) and
 * LOCK_LOST_MARKER in the message when this session no longer holds the
 * session lock key (pg_advisory_unlock_all, DISCARD ALL, an unlock of the key
 * in a function the preflight cannot read). Its failure aborts the
 * transaction block it runs in. Plain SQL (no PL/pgSQL, which a database
 * may not offer the role). Fully qualified: the session's search_path,
 * standard_conforming_strings and client_encoding do not matter. A
 * transaction-level lock needs no check: no SQL releases one
 * (pg_advisory_unlock_all and DISCARD release session locks only).
 */
char *lock_check_sql(long long key);
#define LOCK_LOST_SQLSTATE "22P02"
#define LOCK_LOST_MARKER "pgboot: migration lock lost, backend "
/* the check's failure: its SQLSTATE with the marker, never a file's own 22P02 */
int lock_check_failed(const struct pgb_error *err);
/*
 * A file's message found the session lock gone (err: 75). Through a
 * transaction pooler that message simply ran on another server process
 * than pid, which holds the lock: seen when the next statement runs
 * elsewhere than pid, or on pid with the lock still held there. Then the lock
 * is released where it was taken (or the detail says it could not be), err
 * becomes the pooler's 78, and 1 is returned. Otherwise 0 and err stays (a
 * file released the lock: back on pid, the lock is gone there).
 */
int lock_lost_to_pooler(struct db *db, long long key, int pid, struct pgb_error *err);

#endif
