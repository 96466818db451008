/* lock.c: the migration advisory lock (see lock.h). */
#include "lock.h"

#include <sodium.h>
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

long long lock_key(const char *dbname, const char *history_display)
{
	unsigned char out[crypto_generichash_BYTES];
	char *text = xasprintf("pgboot:%s%s", dbname, history_display);
	crypto_generichash(out, sizeof(out), (const unsigned char *)text, strlen(text), NULL, 0);
	free(text);
	unsigned long long k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | out[i];
	return (long long)k;
}

/* 1 acquired, 0 busy, -1 failed */
static int try_lock(struct db *db, const char *keytext, int xact, struct pgb_error *err)
{
	const char *params[] = {keytext};
	struct db_result r;
	if (db_query(db,
		     xact ? "SELECT pg_catalog.pg_try_advisory_xact_lock($1::bigint)"
			  /* held twice: lock_check_sql gives one back and takes it again without a gap */
			  : "SELECT CASE WHEN pg_catalog.pg_try_advisory_lock($1::bigint) "
			    "THEN pg_catalog.pg_try_advisory_lock($1::bigint) ELSE false END",
		     1, params, &r, err))
		return -1;
	int got = db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), "t") == 0;
	db_result_free(&r);
	return got;
}

/* A line about who holds the lock, from pg_locks and pg_stat_activity; the caller frees. */
static char *describe_holder(struct db *db, const char *keytext)
{
	const char *params[] = {keytext};
	struct db_result r;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_query(db,
			  "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'), "
			  "coalesce(a.state, ''), "
			  "coalesce(extract(epoch FROM now() - a.backend_start)::bigint, 0) "
			  "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
			  "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
			  "AND l.classid = (($1::bigint >> 32) & 4294967295)::oid "
			  "AND l.objid = ($1::bigint & 4294967295)::oid LIMIT 1",
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

int lock_acquire(struct db *db, long long key, long long timeout_ms, int xact, struct pgb_error *err)
{
	char keytext[32];
	snprintf(keytext, sizeof(keytext), "%lld", key);
	long long start = clock_now_ms(), last_log = 0, pause = POLL_START_MS;
	long long first_log = timeout_ms / 2 < LOG_FIRST_MS ? timeout_ms / 2 : LOG_FIRST_MS;
	for (;;) {
		int got = try_lock(db, keytext, xact, err);
		if (got != 0)
			return got > 0 ? 0 : -1;
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
		if (clock_sleep_ms(pause)) {
			int sig = signals_received();
			return pgb_fail(err, PGB_EXIT_SIGNAL + sig, "stopped by signal %d while waiting for the migration lock", sig);
		}
		pause = pause * 2 > POLL_MAX_MS ? POLL_MAX_MS : pause * 2;
	}
}

void lock_release(struct db *db, long long key)
{
	if (!db_alive(db))
		return;
	char keytext[32];
	snprintf(keytext, sizeof(keytext), "%lld", key);
	const char *params[] = {keytext};
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_query(db,
		     "SELECT CASE WHEN pg_catalog.pg_advisory_unlock($1::bigint) "
		     "THEN pg_catalog.pg_advisory_unlock($1::bigint) END",
		     1, params, NULL, &e))
		log_debug("unlock_failed", "could not release the migration lock: %s", e.message);
	pgb_error_free(&e);
}

char *lock_check_sql(long long key)
{
	/* one of the two holds given back and taken again: no catalog read, and never a moment unheld */
	return xasprintf("DO $pgboot$BEGIN IF NOT (CASE WHEN pg_catalog.pg_advisory_unlock(%lld::pg_catalog.int8) "
			 "THEN pg_catalog.pg_try_advisory_lock(%lld::pg_catalog.int8) ELSE false END) THEN "
			 "RAISE EXCEPTION USING ERRCODE = '%s', MESSAGE = 'pgboot''s migration lock is no longer held'; "
			 "END IF; END$pgboot$",
			 key, key, LOCK_LOST_SQLSTATE);
}

int lock_check_failed(const struct pgb_error *err)
{
	return strcmp(err->sqlstate, LOCK_LOST_SQLSTATE) == 0;
}
