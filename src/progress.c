/*
 * progress.c: what a slow statement is doing (see progress.h). It owns the
 * second session and the schedule of the reports; db.c calls it back while
 * a watched statement runs (db_on_wait).
 */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "duration.h"
#include "log.h"
#include "redact.h"
#include "signals.h"
#include "strbuf.h"
#include "xmem.h"

static struct {
	struct db *main;     /* the session watched */
	const char *file;    /* the file it runs */
	const char *version;
	int later;           /* files after it in the same message (a batch) */
	long long since;     /* when it began, as far as the results tell (0: when the message was sent) */
	struct db *aside;    /* the second session, once opened */
	int off;             /* the reports are off for the run */
	long long sent_at;   /* the message the schedule is for */
	long long due;       /* how long it has run when the next report is due */
	long long after, every;
} g;

/* A delay from the environment in milliseconds, or dflt. */
static long long env_ms(const char *name, long long dflt)
{
	const char *v = getenv(name);
	char *end;
	long long ms = v ? strtoll(v, &end, 10) : 0;
	return v && *v && !*end && ms > 0 ? ms : dflt;
}

static void turn_off(const char *why, const char *detail)
{
	log_event(LOG_DEBUG, "progress_off", LOG_FIELDS(LF_STR("reason", why)),
		  "progress reports are off for this run: %s%s%s", why, detail ? ": " : "", detail ? detail : "");
	g.off = 1;
	progress_close();
}

/* The facts, in one read-only transaction that cannot wait for a lock for long. */
static char *facts_sql(int pid)
{
	return xasprintf(
		"BEGIN READ ONLY;\n"
		"SET LOCAL statement_timeout = %lld;\n"
		"SET LOCAL lock_timeout = %lld;\n"
		"SELECT coalesce(a.state, ''), coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''), "
		"p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total "
		"FROM pg_catalog.pg_stat_activity a "
		"LEFT JOIN pg_catalog.pg_stat_progress_create_index p ON p.pid = a.pid "
		"WHERE a.pid = %d AND a.datname = pg_catalog.current_database() "
		"AND a.usesysid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = session_user) "
		"AND a.backend_type = 'client backend';\n"
		"SELECT k.pid, coalesce(b.application_name, ''), b.state, "
		"(extract(epoch FROM pg_catalog.clock_timestamp() - b.xact_start) * 1000)::bigint, "
		"pg_catalog.left(pg_catalog.regexp_replace(coalesce(b.query, ''), '[[:space:]]+', ' ', 'g'), 4000), "
		"coalesce(b.usename::pg_catalog.text, '') "
		"FROM (SELECT DISTINCT u.pid FROM pg_catalog.unnest(pg_catalog.pg_blocking_pids(%d)) AS u(pid)) k "
		"LEFT JOIN pg_catalog.pg_stat_activity b ON b.pid = k.pid "
		"ORDER BY b.xact_start NULLS LAST, k.pid;\n"
		"COMMIT",
		PROGRESS_STATEMENT_MS, PROGRESS_LOCK_MS, pid, pid);
}

/* "12345" or NULL as a number, -1 for NULL */
static long long num(const struct db_result *r, int row, int col)
{
	const char *v = db_cell(r, row, col);
	return v ? atoll(v) : -1;
}

static void add_index_build(struct strbuf *sb, const struct db_result *self)
{
	long long bd = num(self, 0, 4), bt = num(self, 0, 5), td = num(self, 0, 6), tt = num(self, 0, 7);
	strbuf_addf(sb, "building index: \"%s\"", db_cell(self, 0, 3));
	if (bt > 0)
		strbuf_addf(sb, ", %lld%% of blocks (%lld of %lld)", bd * 100 / bt, bd, bt);
	else if (tt > 0)
		strbuf_addf(sb, ", %lld%% of tuples (%lld of %lld)", td * 100 / tt, td, tt);
}

/* pid N ("app", idle in transaction for 2m: "UPDATE ...") */
static void add_blocker(struct strbuf *sb, const struct db_result *b, int i)
{
	const char *state = db_cell(b, i, 2);
	strbuf_addf(sb, "pid %s (\"%s\"", db_cell(b, i, 0), db_cell(b, i, 1));
	if (!state) {
		const char *role = db_cell(b, i, 5);
		strbuf_addf(sb, ", role \"%s\": its state and query are hidden from this role)", role ? role : "");
		return;
	}
	strbuf_addf(sb, ", %s", state);
	long long xact = num(b, i, 3);
	if (xact >= 0) {
		char d[32];
		duration_format(xact < 1000 ? xact : xact / 1000 * 1000, d, sizeof(d));
		strbuf_addf(sb, " for %s", d);
	}
	char *q = redact_query_text(db_cell(b, i, 4), PROGRESS_QUERY_CHARS);
	strbuf_addf(sb, "%s%s%s)", *q ? ": \"" : "", q, *q ? "\"" : "");
	free(q);
}

static void add_blockers(struct strbuf *sb, const struct db_result *self, const struct db_result *b)
{
	const char *type = db_cell(self, 0, 1), *event = db_cell(self, 0, 2);
	strbuf_adds(sb, "waiting for a lock");
	if (strcmp(type, "Lock") == 0 && *event)
		strbuf_addf(sb, " (%s)", event);
	strbuf_adds(sb, " held by ");
	for (int i = 0; i < b->nrows && i < PROGRESS_BLOCKERS; i++) {
		strbuf_adds(sb, i ? ", " : "");
		add_blocker(sb, b, i);
	}
	if (b->nrows > PROGRESS_BLOCKERS)
		strbuf_addf(sb, " and %d more", b->nrows - PROGRESS_BLOCKERS);
}

static void log_report(long long ran, const struct db_result *self, const struct db_result *b)
{
	struct strbuf sb;
	strbuf_init(&sb);
	const char *phase = db_cell(self, 0, 3), *type = db_cell(self, 0, 1), *event = db_cell(self, 0, 2);
	if (phase)
		add_index_build(&sb, self);
	if (b->nrows > 0) {
		strbuf_adds(&sb, phase ? "; " : "");
		add_blockers(&sb, self, b);
	}
	if (!phase && b->nrows == 0)
		strbuf_addf(&sb, *type ? "running, waiting on %s \"%s\"" : "running", type, event);
	int blocked = b->nrows > 0;
	const char *bq = blocked ? db_cell(b, 0, 4) : NULL;
	char *q = redact_query_text(bq, PROGRESS_QUERY_CHARS);
	log_event(blocked ? LOG_WARNING : LOG_INFO, "progress",
		  LOG_FIELDS(LF_STR("version", g.version), LF_STR("file", g.file), LF_INT("ms", ran),
			     LF_STR("state", db_cell(self, 0, 0)), LF_STR("wait_event_type", type),
			     LF_STR("wait_event", event), LF_STR("phase", phase ? phase : ""),
			     LF_INT("blocks_done", num(self, 0, 4)), LF_INT("blocks_total", num(self, 0, 5)),
			     LF_INT("tuples_done", num(self, 0, 6)), LF_INT("tuples_total", num(self, 0, 7)),
			     LF_INT("blockers", b->nrows), LF_INT("blocker_pid", blocked ? num(b, 0, 0) : 0),
			     LF_STR("blocker_application", blocked ? db_cell(b, 0, 1) : ""),
			     LF_STR("blocker_state", blocked && db_cell(b, 0, 2) ? db_cell(b, 0, 2) : ""),
			     LF_STR("blocker_query", q)),
		  "\"%s\"%s has run %lld %s: %s", g.file, g.later ? " (or a file after it in its batch)" : "",
		  ran < 1000 ? ran : ran / 1000, ran < 1000 ? "ms" : "s", sb.buf);
	free(q);
	strbuf_free(&sb);
}

/* The two result sets that have columns: this session's row, the blockers. */
static void report(long long ran)
{
	if (!g.aside) {
		struct pgb_error e;
		pgb_error_init(&e);
		if (db_connect_beside(g.main, "pgboot progress", PROGRESS_CONNECT_MS, &g.aside, &e)) {
			if (!signals_received())
				log_event(LOG_WARNING, "progress_off", LOG_FIELDS(LF_STR("reason", e.message)),
					  "progress reports are off for this run: could not open a second session: %s",
					  e.message);
			g.off = 1;
			pgb_error_free(&e);
			return;
		}
		pgb_error_free(&e);
	}
	char *sql = facts_sql(db_backend_pid(g.main));
	struct db_result *res = NULL;
	int n = 0;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_exec(g.aside, sql, &res, &n, &e);
	free(sql);
	const struct db_result *sets[2] = {NULL, NULL};
	for (int i = 0, k = 0; rc == 0 && i < n && k < 2; i++)
		if (res[i].ncols > 0)
			sets[k++] = &res[i];
	if (rc)
		turn_off("the query failed", e.message);
	else if (!sets[1] || sets[0]->nrows != 1)
		turn_off("pg_stat_activity does not show this session's backend pid (behind a connection pooler, it may not)", NULL);
	else
		log_report(ran, sets[0], sets[1]);
	db_results_free(res, n);
	pgb_error_free(&e);
}

/* db_on_wait's hook: report when due. */
static void on_wait(void *arg, long long sent_at)
{
	(void)arg;
	if (g.off || signals_received())
		return;
	if (sent_at != g.sent_at) {
		g.sent_at = sent_at;
		g.due = g.after;
	}
	long long ran = clock_now_ms() - (g.since > sent_at ? g.since : sent_at);
	if (ran < g.due)
		return;
	while (g.due <= ran)
		g.due += g.every;
	report(ran);
}

void progress_watch(struct db *db, const char *file, const char *version)
{
	if (!g.after) {
		g.after = env_ms("PGBOOT_PROGRESS_AFTER_MS", PROGRESS_AFTER_MS);
		g.every = env_ms("PGBOOT_PROGRESS_EVERY_MS", PROGRESS_EVERY_MS);
	}
	g.main = db;
	g.file = file;
	g.version = version ? version : "";
	g.later = 0;
	g.since = 0;
	g.sent_at = -1;
	db_on_wait(db, on_wait, NULL);
}

void progress_file(const char *file, const char *version, int later)
{
	if (!g.main)
		return;
	g.file = file;
	g.version = version ? version : "";
	g.later = later;
	g.since = clock_now_ms();
	g.due = g.after;
}

void progress_unwatch(struct db *db)
{
	db_on_wait(db, NULL, NULL);
	g.file = g.version = NULL;
}

void progress_close(void)
{
	if (g.aside) {
		db_rollback_if_needed(g.aside);
		db_close(g.aside);
	}
	g.aside = NULL;
}
