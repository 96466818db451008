/* lock.c: the migration advisory lock (see lock.h). */
#include "lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "log.h"
#include "signals.h"
#include "xmem.h"

#define POLL_START_MS 20
#define POLL_MAX_MS 100
#define LOG_EVERY_MS 5000
/* who holds the lock is asked of pg_locks, which every backend of a stampede would read at once:
 * a short wait is not worth a line */
#define LOG_FIRST_MS 1000
/* statements asked where they run after a session lock is taken through a pooler */
#define STICKY_CHECKS 3
/* attempts at reaching a pooled server connection that kept the lock */
#define STRANDED_UNLOCKS 50

/*
 * "SELECT got, pid": try fn (pg_try_advisory_lock or pg_try_advisory_xact_lock) on the key, and
 * say which server process ran it. pgboot never asks for its lock while it holds it, so a server
 * process that already holds it serves more than one client (a transaction pooler): got is NULL
 * then, and nothing was taken. Connected directly (the process libpq was given) that cannot be:
 * not asked. The session lock is taken twice when free: lock_check_sql gives one hold back and
 * takes it again without a gap.
 */
static char *lock_sql(int session, const char *keytext, int session_pid)
{
	char *take = session ? xasprintf("CASE WHEN pg_catalog.pg_try_advisory_lock(%s::bigint) "
					 "THEN pg_catalog.pg_try_advisory_lock(%s::bigint) ELSE false END",
					 keytext, keytext)
			     : xasprintf("pg_catalog.pg_try_advisory_xact_lock(%s::bigint)", keytext);
	char *sql = xasprintf("SELECT CASE WHEN pg_catalog.pg_backend_pid() <> %d AND EXISTS ("
			      "SELECT 1 FROM pg_catalog.pg_locks l WHERE l.pid = pg_catalog.pg_backend_pid() "
			      "AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
			      "AND l.classid = ((%s::bigint >> 32) & 4294967295)::pg_catalog.oid "
			      "AND l.objid = (%s::bigint & 4294967295)::pg_catalog.oid) "
			      "THEN NULL ELSE %s END, pg_catalog.pg_backend_pid()",
			      session_pid, keytext, keytext, take);
	free(take);
	return sql;
}

/* 1 acquired, 0 busy, 2 already held by the server process (pooled), -1 failed; *pid: the process */
static int lock_reply(const struct db_result *r, int *pid)
{
	*pid = db_cell(r, 0, 1) ? atoi(db_cell(r, 0, 1)) : 0;
	if (!db_cell(r, 0, 0))
		return 2;
	return strcmp(db_cell(r, 0, 0), "t") == 0;
}

static int try_session_lock(struct db *db, const char *keytext, int *pid, struct pgb_error *err)
{
	char *sql = lock_sql(1, keytext, db_backend_pid(db));
	struct db_result r;
	int rc = db_query(db, sql, 0, NULL, &r, err);
	free(sql);
	if (rc)
		return -1;
	int got = lock_reply(&r, pid);
	db_result_free(&r);
	return got;
}

/*
 * The transaction lock, polled in a transaction of its own each time: a waiter that kept one
 * open would stall a CREATE INDEX CONCURRENTLY of the session that holds the lock (it waits for
 * every older transaction), and that session would never let go. Held: the transaction stays.
 * A server process that already holds the lock (another client's session lock, stranded there
 * by a pooler) counts as busy.
 */
static int try_xact_lock(struct db *db, const char *begin, const char *keytext, struct pgb_error *err)
{
	char *lock = lock_sql(0, keytext, db_backend_pid(db));
	char *sql = xasprintf("%s; %s", begin, lock);
	struct db_result *res = NULL;
	int n = 0, pid;
	int rc = db_exec(db, sql, &res, &n, err);
	free(lock);
	free(sql);
	int got = rc == 0 && n > 0 && lock_reply(&res[n - 1], &pid) == 1;
	db_results_free(res, n);
	if (rc)
		return -1;
	if (!got && db_exec(db, "ROLLBACK", NULL, NULL, err))
		return -1;
	return got;
}

/* The server process this statement runs on, or 0 with err set. */
static int current_pid(struct db *db, struct pgb_error *err)
{
	struct db_result r;
	if (db_query(db, "SELECT pg_catalog.pg_backend_pid()", 0, NULL, &r, err))
		return 0;
	int pid = db_cell(&r, 0, 0) ? atoi(db_cell(&r, 0, 0)) : 0;
	db_result_free(&r);
	return pid;
}

/*
 * A session lock lives on one server process. Connected directly, that is the process libpq
 * was given at connect time; through a pooler it is not, and a transaction pooler runs each
 * transaction wherever it likes: the lock stays behind on a pooled connection. Ask a few
 * separate statements where they run: 1 the lock stayed, 0 it did not (*moved: where the
 * statement ran), -1 failed.
 */
static int lock_stays(struct db *db, int pid, int *moved, struct pgb_error *err)
{
	if (pid == db_backend_pid(db))
		return 1;
	for (int i = 0; i < STICKY_CHECKS; i++) {
		int now = current_pid(db, err);
		if (now == 0)
			return -1;
		if (now != pid) {
			*moved = now;
			return 0;
		}
	}
	return 1;
}

/*
 * Give back a session lock left on server process pid, which this connection no longer owns:
 * unlock when a statement lands there, else end that process when it sits idle holding it (a
 * pooled connection between clients; the pooler opens another). 1 when it was released there, 0
 * when a statement reached pid and found it no longer held, -1 when it could not be (logged).
 */
static int release_stranded(struct db *db, const char *keytext, int pid)
{
	char pidtext[16];
	snprintf(pidtext, sizeof(pidtext), "%d", pid);
	const char *params[] = {keytext, pidtext};
	struct pgb_error e;
	pgb_error_init(&e);
	struct db_result r;
	for (int i = 0; i < STRANDED_UNLOCKS; i++) {
		/* unlock only there: elsewhere it could release another client's lock */
		if (db_query(db,
			     "SELECT CASE WHEN pg_catalog.pg_backend_pid() = $2::int "
			     "THEN (CASE WHEN pg_catalog.pg_advisory_unlock($1::bigint) "
			     "THEN pg_catalog.pg_advisory_unlock($1::bigint) ELSE false END) END",
			     2, params, &r, &e))
			goto failed;
		const char *there = db_cell(&r, 0, 0); /* NULL: another server process */
		int released = there && strcmp(there, "t") == 0;
		db_result_free(&r);
		if (there)
			return released;
	}
	/* NULL: pid holds the lock no more (the pooler closed that connection) */
	if (db_query(db,
		     "SELECT pg_catalog.bool_or(CASE WHEN a.state = 'idle' THEN pg_catalog.pg_terminate_backend(l.pid) "
		     "ELSE false END) FROM pg_catalog.pg_locks l "
		     "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		     "WHERE l.pid = $2::int AND l.locktype = 'advisory' AND l.granted "
		     "AND l.objsubid = 1 AND l.classid = (($1::bigint >> 32) & 4294967295)::pg_catalog.oid "
		     "AND l.objid = ($1::bigint & 4294967295)::pg_catalog.oid",
		     2, params, &r, &e))
		goto failed;
	const char *ended = db_cell(&r, 0, 0);
	int rc = !ended ? 0 : strcmp(ended, "t") == 0 ? 1 : -1;
	db_result_free(&r);
	if (rc >= 0)
		return rc;
	pgb_fail(&e, PGB_EXIT_LOCK, "no statement reached it in %d tries, and it is not idle", STRANDED_UNLOCKS);
failed:
	log_event(LOG_WARNING, "lock_stranded", LOG_FIELDS(LF_INT("pid", pid)),
		  "could not release the migration lock left on server process %d: %s", pid, e.message);
	pgb_error_free(&e);
	return -1;
}

/* The end of a pooler 78's detail: what became of the lock left on server process pid. */
static void released_sentence(char *buf, size_t n, int released, int pid)
{
	if (released >= 0)
		snprintf(buf, n, "The lock was released where it was taken.");
	else
		snprintf(buf, n, "The lock could not be released: server process %d may hold it until it ends "
				 "(SELECT pg_terminate_backend(%d) ends it).", pid, pid);
}

/* A line about who holds the lock, from pg_locks and pg_stat_activity; the caller frees. */
static char *describe_holder(struct db *db, const char *keytext)
{
	const char *params[] = {keytext};
	struct db_result r;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_query(db,
			  "SELECT a.pid, coalesce(a.application_name, ''), coalesce(pg_catalog.host(a.client_addr), 'local'), "
			  "coalesce(a.state, ''), "
			  "coalesce(extract(epoch FROM pg_catalog.now() - a.backend_start)::bigint, 0) "
			  "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
			  "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
			  "AND l.classid = (($1::bigint >> 32) & 4294967295)::pg_catalog.oid "
			  "AND l.objid = ($1::bigint & 4294967295)::pg_catalog.oid LIMIT 1",
			  1, params, &r, &e);
	char *s;
	if (rc || r.nrows == 0)
		s = xstrdup("held by a session pgboot cannot see");
	else
		s = xasprintf("held by pid %s (application \"%s\", client %s, %s, connected %ss ago)", db_cell(&r, 0, 0),
			      db_cell(&r, 0, 1), db_cell(&r, 0, 2), db_cell(&r, 0, 3), db_cell(&r, 0, 4));
	if (!rc)
		db_result_free(&r);
	pgb_error_free(&e);
	return s;
}

static int pooled(struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "the migration lock did not stay with this session: the connection goes through a "
				       "transaction pooler");
	pgb_error_hint(err, "Use --lock-mode transaction (PGBOOT_LOCK_MODE=transaction) with a transaction pooler such "
			    "as PgBouncer's pool_mode=transaction, or connect to the server directly.");
	return -1;
}

/*
 * got: try_session_lock's answer on server process pid. 0 when the lock is held and stays
 * with this session, else -1 with err (78) and nothing left held.
 */
static int confirm_session(struct db *db, const char *keytext, int got, int pid, struct pgb_error *err)
{
	if (got == 2) {
		pooled(err);
		pgb_error_detail(err, "Server process %d already held pgboot's session lock, which another client of the "
				      "pooler took; this session took nothing.",
				 pid);
		return -1;
	}
	int moved = 0;
	int rc = lock_stays(db, pid, &moved, err);
	if (rc > 0)
		return 0;
	char released[160];
	released_sentence(released, sizeof(released), release_stranded(db, keytext, pid), pid);
	if (rc < 0)
		return -1;
	pooled(err);
	pgb_error_detail(err, "pg_try_advisory_lock took the session lock on server process %d; the next statement ran on "
			      "server process %d. %s",
			 pid, moved, released);
	return -1;
}

int lock_acquire(struct db *db, long long key, long long timeout_ms, const char *begin, int *pid,
		 struct pgb_error *err)
{
	char keytext[32];
	snprintf(keytext, sizeof(keytext), "%lld", key);
	long long start = clock_now_ms(), last_log = 0, pause = POLL_START_MS;
	long long first_log = timeout_ms / 2 < LOG_FIRST_MS ? timeout_ms / 2 : LOG_FIRST_MS;
	*pid = 0;
	for (;;) {
		int got = begin ? try_xact_lock(db, begin, keytext, err) : try_session_lock(db, keytext, pid, err);
		if (got < 0)
			return -1;
		if (got > 0)
			return begin ? 0 : confirm_session(db, keytext, got, *pid, err);
		long long now = clock_now_ms();
		if (now - start >= timeout_ms) {
			char *who = describe_holder(db, keytext);
			char buf[32];
			duration_format(timeout_ms, buf, sizeof(buf));
			pgb_fail(err, PGB_EXIT_LOCK, "could not take the migration lock within %s", buf);
			pgb_error_detail(err, "The lock (key %lld) is %s.", key, who);
			pgb_error_hint(err, "Another pgboot is migrating this database; raise --lock-timeout, or end that session.");
			free(who);
			return -1;
		}
		if (last_log == 0 ? now - start >= first_log : now - last_log >= LOG_EVERY_MS) {
			char *who = describe_holder(db, keytext);
			log_event(LOG_INFO, "lock_wait", LOG_FIELDS(LF_INT("ms", now - start)),
				  "waiting for the migration lock, %s", who);
			free(who);
			last_log = now;
		}
		if (clock_sleep_ms(pause))
			return pgb_fail_signal(err, signals_received(), "while waiting for the migration lock");
		pause = pause * 2 > POLL_MAX_MS ? POLL_MAX_MS : pause * 2;
	}
}

void lock_release(struct db *db, long long key, int pid)
{
	if (!db_alive(db))
		return;
	char keytext[32];
	snprintf(keytext, sizeof(keytext), "%lld", key);
	const char *params[] = {keytext};
	struct db_result r;
	struct pgb_error e;
	pgb_error_init(&e);
	/* held twice (see lock_sql): both holds go */
	if (db_query(db,
		     "SELECT CASE WHEN pg_catalog.pg_advisory_unlock($1::bigint) "
		     "THEN pg_catalog.pg_advisory_unlock($1::bigint) ELSE false END",
		     1, params, &r, &e)) {
		log_debug("unlock_failed", "could not release the migration lock: %s", e.message);
		pgb_error_free(&e);
		return;
	}
	int released = db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "t") == 0;
	db_result_free(&r);
	/* through a pooler the unlock may have run elsewhere than the lock */
	if (!released && pid && pid != db_backend_pid(db))
		release_stranded(db, keytext, pid);
}

char *lock_check_sql(long long key)
{
	/*
	 * One of the two holds given back and taken again: no catalog read, and never a moment unheld.
	 * Plain SQL, no PL/pgSQL (a database may revoke it or drop it): a lost lock casts the marker
	 * text to an integer, 22P02. The cast's input names the server process, so the planner cannot
	 * fold it into an error of every plan.
	 */
	return xasprintf("SELECT CASE WHEN (CASE WHEN pg_catalog.pg_advisory_unlock(%lld::pg_catalog.int8) "
			 "THEN pg_catalog.pg_try_advisory_lock(%lld::pg_catalog.int8) ELSE false END) THEN NULL "
			 "ELSE ('%s'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.pg_backend_pid())::pg_catalog.int4 END",
			 key, key, LOCK_LOST_MARKER);
}

int lock_check_failed(const struct pgb_error *err)
{
	return strcmp(err->sqlstate, LOCK_LOST_SQLSTATE) == 0 && err->message &&
	       strstr(err->message, LOCK_LOST_MARKER) != NULL;
}

/*
 * Where a statement runs now, and whether that server process holds the session lock (twice, or
 * once after a check that gave one hold back elsewhere). 0 with *now and *holds, or -1.
 */
static int where_now(struct db *db, const char *keytext, int *now, int *holds)
{
	const char *params[] = {keytext};
	struct db_result r;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_query(db,
			  "SELECT pg_catalog.pg_backend_pid(), EXISTS (SELECT 1 FROM pg_catalog.pg_locks l "
			  "WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'advisory' AND l.granted "
			  "AND l.objsubid = 1 AND l.classid = (($1::bigint >> 32) & 4294967295)::pg_catalog.oid "
			  "AND l.objid = ($1::bigint & 4294967295)::pg_catalog.oid)",
			  1, params, &r, &e);
	pgb_error_free(&e);
	if (rc)
		return -1;
	*now = db_cell(&r, 0, 0) ? atoi(db_cell(&r, 0, 0)) : 0;
	*holds = db_cell(&r, 0, 1) && strcmp(db_cell(&r, 0, 1), "t") == 0;
	db_result_free(&r);
	return *now ? 0 : -1;
}

int lock_lost_to_pooler(struct db *db, long long key, int pid, struct pgb_error *err)
{
	if (!pid || pid == db_backend_pid(db) || !db_alive(db))
		return 0;
	char keytext[32];
	snprintf(keytext, sizeof(keytext), "%lld", key);
	int now = 0, holds = 0;
	int asked = where_now(db, keytext, &now, &holds) == 0;
	/* back on the process that took the lock and it is gone there: a file released it */
	if (asked && now == pid && !holds)
		return 0;
	/* elsewhere, or there with the lock still held (the failed check ran elsewhere), or not known:
	 * never leave the lock behind */
	int released = release_stranded(db, keytext, pid);
	if (!asked && released != 1)
		return 0; /* nothing shows a pooler: the file's 75 stands */
	struct pgb_error e;
	pgb_error_init(&e);
	char sentence[160];
	released_sentence(sentence, sizeof(sentence), released, pid);
	pooled(&e);
	if (asked && now != pid)
		pgb_error_detail(&e, "pg_try_advisory_lock took the session lock on server process %d; a later statement "
				     "ran on server process %d, where the lock is not held (%s). %s",
				 pid, now, err->message ? err->message : "", sentence);
	else
		pgb_error_detail(&e, "pg_try_advisory_lock took the session lock on server process %d, which still held "
				     "it, but the check after a file ran on another server process (%s). %s",
				 pid, err->message ? err->message : "", sentence);
	pgb_error_free(err);
	pgb_error_move(err, &e);
	return 1;
}
