/*
 * lock.h: the migration lock, a session-level advisory lock on the
 * migrating connection. Key: the first 8 bytes of a libsodium generic hash
 * of "pgboot:" + database name + the qualified history table name. Polled
 * with pg_try_advisory_lock so pgboot can say who holds it and give up.
 * The session lock is held twice (the check below gives one back and takes
 * it again) and released twice.
 */
#ifndef PGB_LOCK_H
#define PGB_LOCK_H

#include "db.h"
#include "error.h"

long long lock_key(const char *dbname, const char *history_display);
/*
 * Take the lock, waiting up to timeout_ms and logging the holder every few
 * seconds. With xact, a transaction-level lock (the caller has opened the
 * transaction; COMMIT or ROLLBACK releases it). Returns 0 when held, or -1
 * with err: 75 on timeout, 128+N on a signal, or a database error.
 */
int lock_acquire(struct db *db, long long key, long long timeout_ms, int xact, struct pgb_error *err);
/* Release it; failures are logged, since closing the session releases it too. */
void lock_release(struct db *db, long long key);

/*
 * A statement to append to a message that ran something of a file: it fails
 * with SQLSTATE LOCK_LOST_SQLSTATE when this session no longer holds the
 * session lock key (pg_advisory_unlock_all, DISCARD ALL, an unlock of the key
 * in a function the preflight cannot read). Its failure aborts the
 * transaction block it runs in. Fully qualified: the session's search_path,
 * standard_conforming_strings and client_encoding do not matter. A
 * transaction-level lock needs no check: no SQL releases one
 * (pg_advisory_unlock_all and DISCARD release session locks only).
 */
char *lock_check_sql(long long key);
#define LOCK_LOST_SQLSTATE "PGBLK"
int lock_check_failed(const struct pgb_error *err);

#endif
