/*
 * wait.h: wait until the database accepts an authenticated, writable
 * session. Transient failures (refused, timeouts, DNS, starting up, too many
 * connections, a standby) are retried until the deadline; permanent ones
 * (bad password, no such database, TLS refused) fail at once.
 */
#ifndef PGB_WAIT_H
#define PGB_WAIT_H

#include "db.h"
#include "error.h"
#include "history.h"

struct session_info {
	char *current_schema; /* NULL when search_path names no existing schema */
	char *server_version; /* "15.18" */
	char *database;       /* current_database(): the lock key's, whatever name or pooler alias reached it */
	char *history_schema; /* where search_path finds an unqualified history table first (quoted) when it is
			       the only table of that name, or NULL */
	long long waited_ms;
	int used_pgpassword;  /* the session authenticated with PGPASSWORD's value */
};

/*
 * Work that runs beside the first attempt (pgboot reads its files meanwhile)
 * and must succeed for the wait to count. failed(arg) is polled while
 * connecting and must not block: 1 ends the attempt at once. finish(arg,
 * err) waits for the work, -1 with err when it failed; it is called once,
 * before the first pause between attempts or the end of the wait, and its
 * failure is the wait's, whatever the connection did.
 */
struct wait_side_work {
	int (*failed)(void *arg);
	int (*finish)(void *arg, struct pgb_error *err);
	void *arg;
};

/* The options of the wait, from the configuration. */
struct wait_opts {
	const char *conninfo;           /* URL or keywords; NULL: libpq's defaults */
	const char *conninfo_source;    /* where it was set, for messages; NULL: libpq's PG* variables */
	long long timeout_ms;           /* --wait-timeout */
	long long statement_timeout_ms; /* set for the session, unless no_session_set */
	int no_session_set;             /* --lock-mode transaction: a session SET would leak through a pooler */
	const char *find_history;       /* the unqualified history table to find, or NULL */
};

/*
 * Connect and prepare the session (statement_timeout), and find the
 * unqualified history table o->find_history on search_path in the same
 * query (history_path_sql: info->history_schema).
 * Returns 0 with *out connected and info filled (free with
 * session_info_free), or -1 with err: 69 after the wait timeout, 77, 78, or
 * 128+N when a signal arrived, or the side's failure. side may be NULL.
 */
int wait_for_database(const struct wait_opts *o, const struct wait_side_work *side, struct db **out,
		      struct session_info *info, struct pgb_error *err);
void session_info_free(struct session_info *info);

#endif
