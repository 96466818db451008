/* wait.c: wait for a ready database (see wait.h). */
#include "wait.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "log.h"
#include "signals.h"
#include "sqlstate.h"
#include "xmem.h"

#define FAST_RETRY_MS 10
#define MAX_BACKOFF_MS 1000
#define LOG_EVERY_MS 5000
#define MAX_ATTEMPT_MS 10000

/* what prepare_session asks, in the message that sets the session up: no extra round trip */
#define SESSION_QUERY                                                                                   \
	"SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_schema(), pg_catalog.current_database(), " \
	"pg_catalog.current_setting('transaction_read_only')"

/* the state of one wait: deadline, backoff, the last reason, when it was logged */
struct waiter {
	long long start, deadline, backoff, last_log;
	char *target;
	struct pgb_error last;
	const struct wait_side_work *side; /* until it is finished */
	int cut_short;                /* the last attempt ended at its deadline (db.h DB_TIMEOUT) */
};

static int interrupted(struct pgb_error *err)
{
	return pgb_fail_signal(err, signals_received(), "while waiting for the database");
}

static int give_up(void *arg)
{
	const struct waiter *w = arg;
	return signals_received() || (w->side && w->side->failed(w->side->arg));
}

/* Finish the side work, once; its failure replaces whatever err holds. */
static int finish_side_work(struct waiter *w, struct pgb_error *err)
{
	const struct wait_side_work *g = w->side;
	if (!g)
		return 0;
	w->side = NULL;
	struct pgb_error e;
	pgb_error_init(&e);
	if (g->finish(g->arg, &e) == 0)
		return 0;
	pgb_error_move(err, &e);
	return -1;
}

/* Log the reason on the first failure, then every few seconds. */
static void note_transient(struct waiter *w, struct pgb_error *e)
{
	long long now = clock_now_ms();
	if (w->last_log == 0) {
		log_event(LOG_INFO, "waiting", LOG_FIELDS(LF_STR("reason", e->message)),
			  "waiting for the database at %s: %s", w->target, e->message);
		w->last_log = now;
	} else if (now - w->last_log >= LOG_EVERY_MS) {
		log_event(LOG_INFO, "waiting", LOG_FIELDS(LF_STR("reason", e->message), LF_INT("ms", now - w->start)),
			  "still waiting for the database (%llds): %s", (now - w->start) / 1000, e->message);
		w->last_log = now;
	}
	/* an attempt cut short by the deadline says less than the failure before it */
	if (w->last.message && w->cut_short)
		pgb_error_free(e);
	else
		pgb_error_move(&w->last, e);
}

static int timed_out(const struct waiter *w, const struct wait_opts *o, struct pgb_error *err)
{
	char buf[32];
	duration_format(o->timeout_ms, buf, sizeof(buf));
	pgb_fail(err, PGB_EXIT_UNAVAILABLE, "database at %s not available within %s", w->target, buf);
	if (w->last.message)
		pgb_error_detail(err, "Last error: %s", w->last.message);
	if (w->last.hint)
		pgb_error_hint(err, "%s", w->last.hint);
	else
		pgb_error_hint(err, "Check the connection string (%s) and that the server is running; "
				    "raise --wait-timeout if it needs longer to start.",
			       o->conninfo_source ? o->conninfo_source : "libpq's PG* variables");
	return -1;
}

/* Set up the session and check it is writable. 1 ready, 0 transient (e filled), -1 permanent. */
static int prepare_session(struct db *db, const struct wait_opts *o, struct session_info *info,
			   struct pgb_error *e)
{
	/* where search_path finds the history table rides on this query: it runs at every connect anyway */
	char *path = history_path_sql(db, o->find_history, e);
	if (!path && e->message)
		return -1;
	char *select = xasprintf(SESSION_QUERY "%s%s", path ? ", " : "", path ? path : "");
	free(path);
	/* through a transaction pooler a session SET would leak to other clients: the run's transaction sets it */
	char *sql = o->no_session_set
			    ? xstrdup(select)
			    : xasprintf("SET statement_timeout = %lld; %s", o->statement_timeout_ms, select);
	free(select);
	struct db_result *res = NULL;
	int n = 0;
	int rc = db_exec(db, sql, &res, &n, e);
	free(sql);
	if (rc) {
		db_results_free(res, n);
		enum sqlstate_class c = sqlstate_classify(e->sqlstate);
		if (c == SQLSTATE_TRANSIENT || c == SQLSTATE_TERMINATED || !db_alive(db))
			return 0;
		e->code = c == SQLSTATE_PERMISSION ? PGB_EXIT_AUTH : PGB_EXIT_INTERNAL;
		return -1;
	}
	const struct db_result *r = &res[n - 1];
	int in_recovery = db_cell(r, 0, 0) && strcmp(db_cell(r, 0, 0), "t") == 0;
	if (in_recovery && !db_conninfo_has(o->conninfo, "target_session_attrs")) {
		db_results_free(res, n);
		pgb_fail(e, PGB_EXIT_UNAVAILABLE, "the server is a standby or in recovery");
		return 0;
	}
	/* default_transaction_read_only = on (ALTER DATABASE/ROLE ... SET): no migration could write */
	if (!in_recovery && db_cell(r, 0, 3) && strcmp(db_cell(r, 0, 3), "on") == 0) {
		db_results_free(res, n);
		pgb_fail(e, PGB_EXIT_UNAVAILABLE, "the session is read-only: default_transaction_read_only is on");
		pgb_error_hint(e, "Reset the setting where it is made (ALTER DATABASE ... RESET "
				  "default_transaction_read_only, or ALTER ROLE), or connect to a writable server.");
		return 0;
	}
	info->current_schema = db_cell(r, 0, 1) ? xstrdup(db_cell(r, 0, 1)) : NULL;
	info->server_version = xstrdup(db_parameter(db, "server_version"));
	info->database = xstrdup(db_cell(r, 0, 2) ? db_cell(r, 0, 2) : db_database(db));
	info->used_pgpassword = db_used_password(db, getenv("PGPASSWORD"));
	if (r->ncols > 4 && db_cell(r, 0, 4))
		info->history_schema = xstrdup(db_cell(r, 0, 4));
	db_results_free(res, n);
	return 1;
}

/* One attempt: 1 ready (*out set), 0 transient (e set), -1 permanent, interrupted or the side work failed (err set). */
static int attempt(struct waiter *w, const struct wait_opts *o, struct db **out, struct session_info *info,
		   int *fast, struct pgb_error *e, struct pgb_error *err)
{
	long long left = w->deadline - clock_now_ms();
	struct db *db = NULL;
	w->cut_short = 0;
	switch (db_connect(o->conninfo, left < MAX_ATTEMPT_MS ? left : MAX_ATTEMPT_MS, give_up, w, &db, fast, e)) {
	case DB_INTERRUPTED:
		pgb_error_free(e);
		if (!signals_received() && finish_side_work(w, err))
			return -1;
		return interrupted(err);
	case DB_PERMANENT:
		pgb_error_move(err, e);
		return -1;
	case DB_TIMEOUT:
		w->cut_short = 1;
		return 0;
	case DB_TRANSIENT:
		return 0;
	case DB_CONNECTED:
		break;
	}
	int r = prepare_session(db, o, info, e);
	if (r == 1) {
		*out = db;
		return 1;
	}
	db_close(db);
	*fast = 1;
	if (r == 0)
		return 0;
	pgb_error_move(err, e);
	return -1;
}

int wait_for_database(const struct wait_opts *o, const struct wait_side_work *side, struct db **out,
		      struct session_info *info, struct pgb_error *err)
{
	struct waiter w = {0};
	w.side = side;
	w.start = clock_now_ms();
	w.deadline = w.start + o->timeout_ms;
	w.backoff = 100;
	w.target = db_describe_target(o->conninfo);
	pgb_error_init(&w.last);
	memset(info, 0, sizeof(*info));
	*out = NULL;
	int rc;
	if (db_check_conninfo(o->conninfo, err)) {
		rc = -1;
		goto out;
	}
	for (;;) {
		int fast = 0;
		if (signals_received()) {
			rc = interrupted(err);
			break;
		}
		struct pgb_error e;
		pgb_error_init(&e);
		rc = attempt(&w, o, out, info, &fast, &e, err);
		if (rc == 0 && finish_side_work(&w, err))
			rc = -1;
		if (rc != 0) {
			pgb_error_free(&e);
			break;
		}
		note_transient(&w, &e);
		if (clock_now_ms() >= w.deadline) {
			rc = timed_out(&w, o, err);
			break;
		}
		long long pause = fast ? FAST_RETRY_MS : w.backoff;
		if (!fast)
			w.backoff = w.backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : w.backoff * 2;
		long long left = w.deadline - clock_now_ms();
		if (clock_sleep_ms(pause < left ? pause : left)) {
			rc = interrupted(err);
			break;
		}
	}
out:
	if (finish_side_work(&w, err)) {
		if (rc == 1) {
			db_close(*out);
			*out = NULL;
			session_info_free(info);
		}
		rc = -1;
	}
	if (rc == 1) {
		info->waited_ms = clock_now_ms() - w.start;
		/* where libpq went (a host of a list, a service file's entry), not what was asked */
		char *reached = db_describe_connection(*out);
		log_event(LOG_INFO, "ready",
			  LOG_FIELDS(LF_INT("ms", info->waited_ms), LF_STR("server_version", info->server_version),
				     LF_STR("host", db_host(*out)), LF_STR("port", db_port(*out))),
			  "connected to %s (PostgreSQL %s) in %lld ms", reached, info->server_version, info->waited_ms);
		free(reached);
		rc = 0;
	}
	free(w.target);
	pgb_error_free(&w.last);
	return rc;
}

void session_info_free(struct session_info *info)
{
	free(info->current_schema);
	free(info->server_version);
	free(info->database);
	free(info->history_schema);
	memset(info, 0, sizeof(*info));
}
