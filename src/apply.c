/*
 * apply.c: the executor (see apply.h).
 *
 * Every message sent is "prefix + a slice of the text + suffix". The server
 * counts error positions in characters of the whole message; struct slice
 * remembers where the text's bytes sit in it, so an error maps back to the
 * file's line and column whatever the mode.
 */
#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "lockrec.h"
#include "lock.h"
#include "locus.h"
#include "log.h"
#include "progress.h"
#include "signals.h"
#include "sqlstate.h"
#include "stmt.h"
#include "strbuf.h"
#include "utf8.h"
#include "verify.h"
#include "xmem.h"

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 15000

/* where the file's text sits in a message: file[base..) starts after prefix_chars characters */
struct slice {
	size_t base;
	size_t end;
	long prefix_chars;
	int first_stmt; /* index in the script of the message's first file statement */
	int prefix_stmts; /* statements pgboot put before it in the message */
};


/* Point err at the file's line and column: by position, in a body, or at the failed statement. */
static void locate_error(const struct apply_unit *u, const struct slice *sl, struct pgb_error *err)
{
	long idx = err->statement_index < 0 ? -1 : (long)err->statement_index - sl->prefix_stmts + sl->first_stmt;
	struct locus_map m = {u->path, u->text, u->len, u->script, sl->base, sl->end,
			      sl->prefix_chars, idx < sl->first_stmt ? -1 : idx, 1};
	locus_locate(&m, err);
}

/* The COPY FROM STDIN data of u's statements in text[base..end), appended to (*blocks)[0..*n) in order. */
static void add_copy_data(const struct apply_unit *u, size_t base, size_t end, struct db_copy_block **blocks,
			  size_t *n)
{
	for (size_t i = 0; u->script && i < u->script->n; i++) {
		const struct sql_stmt *st = &u->script->stmts[i];
		if (st->data_line == 0 || st->start < base || st->end > end)
			continue;
		*blocks = xrealloc(*blocks, (*n + 1) * sizeof(**blocks));
		(*blocks)[(*n)++] = (struct db_copy_block){u->text + st->data_start, st->data_len};
	}
}

/* ---- failures -------------------------------------------------------------- */

/* The file's history row could not be quoted (err says why): nothing of it was sent. */
static int unquotable(const struct apply_unit *u, struct pgb_error *err)
{
	pgb_error_locus(err, u->path, 0, 0);
	return -1;
}

/* The lock check after the file's work failed: stop with 75, naming the file. */
static int lock_lost(const struct apply_unit *u, struct pgb_error *err)
{
	struct pgb_error e;
	pgb_error_init(&e);
	pgb_fail(&e, PGB_EXIT_LOCK, "the migration lock was released while %s %s \"%s\"", u->words.gerund,
		 u->words.noun, u->path);
	pgb_error_locus(&e, u->path, 0, 0);
	pgb_error_detail(&e, "Something it ran released pgboot's advisory lock (pg_advisory_unlock_all(), an unlock of "
			     "pgboot's key or DISCARD ALL, perhaps inside a function it calls), so another pgboot may be "
			     "migrating now. pgboot stopped; no later file was applied.");
	pgb_error_hint(&e, "Remove the unlock from the file or from the function it calls. A migration's own advisory "
			   "locks can use the two-argument pg_advisory_lock(int, int), whose keys are never pgboot's.");
	pgb_error_move(err, &e);
	return -1;
}

/* "cannot run inside a transaction block": name the directive that runs a file without one. */
static void hint_no_transaction(const struct apply_unit *u, struct pgb_error *err)
{
	if (u->mode == MODE_ONE_MESSAGE || u->mode == MODE_WRAPPED)
		pgb_error_hint(err, "pgboot runs a file in one transaction. Add the line \"-- pgboot:no-transaction\" %s "
				    "to run it statement by statement, outside a transaction (not atomic: put such a "
				    "statement in a file of its own).", u->words.directive_at);
	else if (u->mode == MODE_STEPWISE)
		pgb_error_hint(err, "Here it runs inside the file's own transaction: move it after a COMMIT, or add the "
				    "line \"-- pgboot:no-transaction\" %s.", u->words.directive_at);
}

/*
 * Turn a failed message into the error the user sees. sl says where the
 * file's text sat in the message; NULL when the message held none of it (a
 * history row), then the locus is the file alone.
 */
static int report_failure(const struct apply_unit *u, const struct slice *sl, struct pgb_error *err)
{
	int sig = signals_received();
	if (sig) {
		struct pgb_error e;
		pgb_error_init(&e);
		pgb_fail_signal(&e, sig, "while %s \"%s\"", u->words.gerund, u->path);
		pgb_error_move(err, &e);
		return -1;
	}
	if (err->code == PGB_EXIT_UNAVAILABLE) { /* db.c: the session ended, not just the statement */
		pgb_error_detail(err, "The connection was lost while %s \"%s\". What was committed is in the history "
				      "table; the rest was rolled back and the next run does it again.", u->words.gerund, u->path);
		return -1;
	}
	if (lock_check_failed(err))
		return lock_lost(u, err);
	err->code = PGB_EXIT_MIGRATION;
	if (sl)
		locate_error(u, sl, err);
	else
		pgb_error_locus(err, u->path, 0, 0);
	if (strcmp(err->sqlstate, "25001") == 0)
		hint_no_transaction(u, err);
	return -1;
}

static void log_retry(const struct apply_unit *u, const struct apply_opts *o, int attempt, long long pause)
{
	char t[32], p[32];
	duration_format(o->ddl_lock_timeout_ms, t, sizeof(t));
	duration_format(pause, p, sizeof(p));
	log_event(LOG_WARNING, "lock_retry",
		  LOG_FIELDS(LF_STR("version", u->version), LF_STR("name", u->name), LF_INT("attempt", attempt),
			     LF_INT("retry_ms", pause)),
		  "%s \"%s\" waited more than %s for a lock (attempt %d of %d); retrying in %s", u->words.noun,
		  u->path, t, attempt, o->ddl_lock_retries, p);
}

/*
 * Name the sessions that can hold the lock a migration waited for. The attempt has ended, so
 * pg_blocking_pids() has no waiter left to ask: any blocker held a lock when the attempt
 * began, so its transaction is older than the attempt. Another role's session hides its
 * transaction start, state, query and backend type (pg_stat_activity): a client's session
 * (it has a role) counts when it holds a relation lock (pg_locks shows every session's), and
 * the line says what is hidden.
 */
static void log_blockers(struct db *db, const struct apply_opts *o, const struct apply_unit *u)
{
	char ms[32];
	snprintf(ms, sizeof(ms), "%lld", o->ddl_lock_timeout_ms);
	const char *params[] = {ms};
	struct db_result r;
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_query(db,
		     "SELECT a.pid, a.state, coalesce(a.application_name, ''), coalesce(a.usename::pg_catalog.text, ''), "
		     "extract(epoch FROM pg_catalog.now() - a.xact_start)::bigint, "
		     "pg_catalog.left(pg_catalog.regexp_replace(coalesce(a.query, ''), '[[:space:]]+', ' ', 'g'), 120) "
		     "FROM pg_catalog.pg_stat_activity a WHERE a.pid <> pg_catalog.pg_backend_pid() "
		     "AND a.datname = pg_catalog.current_database() AND a.usename IS NOT NULL "
		     "AND coalesce(a.backend_type, 'client backend') = 'client backend' "
		     "AND (a.xact_start < pg_catalog.clock_timestamp() - $1::int * interval '1 millisecond' "
		     "OR (a.state IS NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.pid = a.pid "
		     "AND l.locktype = 'relation' AND l.granted))) "
		     "ORDER BY a.xact_start NULLS LAST, a.pid LIMIT 3",
		     1, params, &r, &e) == 0) {
		for (int i = 0; i < r.nrows; i++) {
			const char *pid = db_cell(&r, i, 0), *state = db_cell(&r, i, 1);
			if (state)
				log_event(LOG_WARNING, "blocker",
					  LOG_FIELDS(LF_STR("version", u->version), LF_INT("pid", atoll(pid)),
						     LF_STR("state", state), LF_STR("query", db_cell(&r, i, 5))),
					  "\"%s\" is likely blocked by pid %s (%s, role \"%s\", application \"%s\", "
					  "transaction open %ss): %s",
					  u->path, pid, state, db_cell(&r, i, 3), db_cell(&r, i, 2), db_cell(&r, i, 4),
					  db_cell(&r, i, 5));
			else
				log_event(LOG_WARNING, "blocker",
					  LOG_FIELDS(LF_STR("version", u->version), LF_INT("pid", atoll(pid)),
						     LF_STR("role", db_cell(&r, i, 3))),
					  "\"%s\" is likely blocked by pid %s (role \"%s\", application \"%s\", holding "
					  "a table lock; state and query hidden: another role's session)",
					  u->path, pid, db_cell(&r, i, 3), db_cell(&r, i, 2));
		}
		db_result_free(&r);
	}
	pgb_error_free(&e);
}

/* After a failed message: back to the savepoint inside the run's transaction, else roll back. */
static void rollback_attempt(struct db *db, const struct apply_opts *o)
{
	if (o->run_transaction && db_alive(db)) {
		struct pgb_error e;
		pgb_error_init(&e);
		db_exec(db, "ROLLBACK TO SAVEPOINT pgboot_apply", NULL, NULL, &e);
		pgb_error_free(&e);
	} else {
		db_rollback_if_needed(db);
	}
}

/*
 * Send msg, retrying a lock timeout with backoff when retry_ok. Returns 0, or
 * -1 with err as the server said it (the caller maps it). Atomic units go
 * through apply_batch, which reads their lock record (batch_result).
 */
static int send_with_retry(struct db *db, const struct apply_opts *o, const struct apply_unit *u, const char *msg,
			   int retry_ok, struct pgb_error *err)
{
	long long pause = RETRY_FIRST_MS;
	for (int attempt = 1;; attempt++) {
		if (db_exec(db, msg, NULL, NULL, err) == 0)
			return 0;
		rollback_attempt(db, o);
		if (!retry_ok || sqlstate_classify(err->sqlstate) != SQLSTATE_LOCK_NOT_AVAILABLE || signals_received() ||
		    attempt >= o->ddl_lock_retries) {
			if (attempt > 1 && sqlstate_classify(err->sqlstate) == SQLSTATE_LOCK_NOT_AVAILABLE)
				pgb_error_hint(err, "The %s could not get its lock in %d attempts; find the long transaction "
						    "that holds it (pg_stat_activity) or raise --ddl-lock-timeout.",
					       u->words.noun, attempt);
			return -1;
		}
		log_retry(u, o, attempt, pause);
		log_blockers(db, o, u);
		pgb_error_free(err);
		if (clock_sleep_ms(pause))
			return pgb_fail_signal(err, signals_received(), "while waiting to retry \"%s\"", u->path);
		pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
	}
}

/*
 * Log a file done. In the run's transaction (--lock-mode transaction) it is
 * not applied yet: it commits with the run, or not at all (migrate_commit).
 */
static void log_applied(const struct apply_unit *u, const struct apply_opts *o, long long ms, const char *locks)
{
	const char *verb = o->run_transaction ? u->words.ran : u->words.done;
	char *event = xasprintf("%s_%s", u->words.noun, verb);
	for (char *c = event; *c; c++) /* "rolled back": an event name is one word */
		if (*c == ' ')
			*c = '_';
	struct strbuf json;
	strbuf_init(&json);
	if (locks)
		lockrec_json(&json, locks);
	log_event(LOG_INFO, event,
		  LOG_FIELDS(LF_STR("version", u->version), LF_STR("name", u->name), LF_INT("ms", ms),
			     LF_JSON("locks", locks ? json.buf : NULL)),
		  "%s %s %s_%s (%lld ms%s%s%s)", verb, u->words.noun, u->version, u->name, ms,
		  o->run_transaction ? "; commits with the run" : "", locks ? "; locks: " : "",
		  locks ? (*locks ? locks : "none") : "");
	strbuf_free(&json);
	free(event);
}

/* ---- the session after a file ---------------------------------------------- */

/*
 * Statements that put the session back as it was right after connect,
 * whatever the file set: its role, any setting (search_path,
 * standard_conforming_strings, client_encoding, session_replication_role,
 * timeouts ...), then pgboot's own statement_timeout again. SESSION
 * AUTHORIZATION first: as another role, resetting a superuser's setting may
 * be refused. Never DISCARD ALL: it would release the migration lock. Run in
 * the file's transaction (the run's, with --lock-mode transaction), so what
 * a file set through a transaction pooler never outlives it.
 */
static char *reset_sql(const struct apply_opts *o)
{
	return xasprintf("RESET SESSION AUTHORIZATION;\nRESET ROLE;\nRESET ALL;\nSET %sstatement_timeout = %lld",
			 o->run_transaction ? "LOCAL " : "", o->statement_timeout_ms);
}

/* Append ";\n" and the lock check when the lock is a session's (a transaction's cannot be released). */
static void add_lock_check(struct strbuf *sb, const struct apply_opts *o, const struct apply_unit *u)
{
	if (o->run_transaction)
		return;
	char *check = lock_check_sql(u->key);
	strbuf_addf(sb, "%s;\n", check);
	free(check);
}

/*
 * The lock record read from the statement the message prepared (APPLY_LOCKREC_STATEMENT): its
 * EXECUTE sets pgboot.locks (transaction-local) from the same expression right before the row's
 * INSERT, which reads it. Nothing but the history row runs in between, and the history table is
 * left out of the record, so the record is the same. A row without the expression is kept as is.
 */
static char *record_prepared(const struct apply_opts *o, char *record)
{
	const char *at = o->lockrec ? strstr(record, o->lockrec) : NULL;
	if (!at)
		return record;
	char *out = xasprintf("EXECUTE " APPLY_LOCKREC_STATEMENT ";\n%.*spg_catalog.current_setting('pgboot.locks')%s",
			      (int)(at - record), record, at + strlen(o->lockrec));
	free(record);
	return out;
}

/* ---- one message: the atomic modes ---------------------------------------- */

/*
 * The session put back after a file, keeping pgboot.t0 (the file's start, for its history row)
 * through RESET ALL: needed when the transaction is not the message's first, whose now() is the
 * message's arrival. PL/pgSQL does that; without it (revoked, dropped) batches are not used.
 */
static char *reset_keeping_t0_sql(const struct apply_opts *o)
{
	return xasprintf("RESET SESSION AUTHORIZATION;\nRESET ROLE;\n"
			 "DO $pgboot$DECLARE t0 pg_catalog.text := pg_catalog.current_setting('pgboot.t0', true); "
			 "BEGIN RESET ALL; PERFORM pg_catalog.set_config('pgboot.t0', t0, true); END$pgboot$;\n"
			 "SET statement_timeout = %lld",
			 o->statement_timeout_ms);
}

/* statements of reset_keeping_t0_sql before its DO */
#define RESET_BEFORE_DO 2

/*
 * The part of a message that applies u, the index-th unit of the run of units sent together, or
 * NULL with err when its history row cannot be quoted. keep_t0: the transaction is one of several
 * in the message. After the file's text a marker row (pgboot_unit = index, the file's
 * milliseconds by the server's clock since pgboot.t0) tells the results of the file's statements
 * from pgboot's; the COMMIT (RELEASE in the run's transaction) that follows ends the unit.
 */
static char *build_message(const struct apply_opts *o, const struct apply_unit *u, struct slice *sl, size_t index,
			   int keep_t0, int prepared, struct pgb_error *err)
{
	char *record = u->effect.done(u->effect.arg, err);
	if (!record)
		return NULL;
	if (prepared)
		record = record_prepared(o, record);
	struct strbuf sb;
	strbuf_init(&sb);
	memset(sl, 0, sizeof(*sl));
	sl->end = u->len;
	/* a UTF-8 byte-order mark is an editor's, not SQL: psql skips it, so does pgboot */
	if (utf8_bom(u->text, u->len))
		sl->base = 3;
	int outer = o->run_transaction;
	if (u->mode == MODE_WRAPPED) {
		const struct sql_stmt *b = &u->script->stmts[u->first], *c = &u->script->stmts[u->last];
		if (outer) {
			strbuf_adds(&sb, "SAVEPOINT pgboot_apply;\n");
		} else {
			strbuf_add(&sb, u->text + b->start, b->end - b->start); /* the file's own BEGIN, options and all */
			strbuf_addc(&sb, '\n');
		}
		sl->base = b->end;
		sl->end = c->start;
		sl->first_stmt = 1;
	} else {
		strbuf_adds(&sb, outer ? "SAVEPOINT pgboot_apply;\n" : "BEGIN;\n");
	}
	strbuf_adds(&sb, "SELECT pg_catalog.set_config('pgboot.t0', pg_catalog.clock_timestamp()::pg_catalog.text, true);\n");
	sl->prefix_stmts = 2;
	if (o->ddl_lock_timeout_ms > 0) {
		strbuf_addf(&sb, "SET LOCAL lock_timeout = %lld;\n", o->ddl_lock_timeout_ms);
		sl->prefix_stmts++;
	}
	sl->prefix_chars = (long)sql_char_count(sb.buf, sb.len);
	sql_add_without_data(&sb, u->text, sl->base, sl->end, u->script); /* the data goes apart (add_copy_data) */
	/* a newline ends a trailing "--" comment, the ";" a last statement without one; the marker (no
	 * statement_timeout a file set may cancel it, nor the DO after it); then the session as connect
	 * left it, the row written in it, and the lock checked before COMMIT */
	strbuf_addf(&sb, "\n;\nSET LOCAL statement_timeout = 0;\n"
			 "SELECT %zu AS pgboot_unit, (extract(epoch FROM pg_catalog.clock_timestamp() "
			 "OPERATOR(pg_catalog.-) " HISTORY_START_SQL ") "
			 "OPERATOR(pg_catalog.*) 1000)::pg_catalog.int8;\n",
		    index);
	char *reset = keep_t0 ? reset_keeping_t0_sql(o) : reset_sql(o);
	strbuf_addf(&sb, "%s;\n%s;\n", reset, record);
	add_lock_check(&sb, o, u);
	strbuf_addf(&sb, "%s;\n", outer ? "RELEASE SAVEPOINT pgboot_apply" : "COMMIT");
	free(reset);
	free(record);
	return strbuf_detach(&sb);
}

/* ---- batches: consecutive atomic units in one message ------------------------ */

/* The statement a message of several units starts with when it prepares the lock record. */
static char *lockrec_prepare_sql(const struct apply_opts *o)
{
	return xasprintf("PREPARE " APPLY_LOCKREC_STATEMENT " AS SELECT pg_catalog.set_config('pgboot.locks', %s, true);\n",
			 o->lockrec);
}

/* A file's DEALLOCATE ALL took the statement away, or it could not be prepared: rows compute their own from then on */
static int g_no_prepare;

/* PL/pgSQL was refused for the reset that keeps pgboot.t0: one unit a message from then on */
static int g_no_plpgsql;

/* the message in flight: units u[from, from + n), read back as their results arrive */
struct batch {
	const struct apply_opts *o;
	const struct apply_unit *u;
	size_t from, n;
	int prepare;      /* the message starts by preparing the lock record (lockrec_prepare_sql) */
	int prepared;     /* its PREPARE ran: the statement exists until the message's DEALLOCATE */
	struct slice *sl; /* each part's, its positions counted from the part's start */
	long *chars;      /* characters of the message before part i (n + 1 of them) */
	size_t done;      /* parts committed (their COMMIT came back) */
	int part_start;   /* the index of the first result of part done */
	int marker_at;    /* the index of part done's marker result, -1 before it */
	long long ms;     /* the marker's milliseconds */
	char *locks;      /* the lock record part done's history INSERT returned (lockrec.h), or NULL */
	struct db_copy_block *copy; /* the parts' COPY FROM STDIN data, in order */
	size_t ncopy;
};

/* Each result as it arrives: a part's marker, then its COMMIT, logs it applied. */
static void batch_result(void *arg, int index, const struct db_result *r)
{
	struct batch *b = arg;
	if (b->prepare && index == 0 && strcmp(r->command, "PREPARE") == 0)
		b->prepared = 1;
	if (b->done >= b->n)
		return;
	if (b->marker_at < 0) {
		const char *unit = r->ncols == 2 && r->nrows == 1 ? db_cell(r, 0, 0) : NULL;
		if (unit && strcmp(r->colnames[0], "pgboot_unit") == 0 && atoll(unit) == (long long)b->done) {
			b->marker_at = index;
			b->ms = db_cell(r, 0, 1) ? atoll(db_cell(r, 0, 1)) : 0;
		}
		return;
	}
	if (r->ncols == 1 && strcmp(r->colnames[0], LOCKREC_RETURNING) == 0) { /* the row's INSERT ... RETURNING */
		free(b->locks);
		b->locks = r->nrows == 1 && db_cell(r, 0, 0) ? xstrdup(db_cell(r, 0, 0)) : NULL;
		return;
	}
	if (strcmp(r->command, b->o->run_transaction ? "RELEASE" : "COMMIT") != 0)
		return;
	log_applied(&b->u[b->from + b->done], b->o, b->ms, b->locks);
	free(b->locks);
	b->locks = NULL;
	b->done++;
	b->part_start = index + 1;
	b->marker_at = -1;
	if (b->done < b->n)
		progress_file(b->u[b->from + b->done].path, b->u[b->from + b->done].version, (int)(b->n - b->done - 1));
}

/* How many units from `from` go in one message: bounded by count and size; the first always goes. */
static size_t batch_size(const struct apply_opts *o, const struct apply_unit *u, size_t from, size_t cap)
{
	if (!o->batch || g_no_plpgsql)
		return 1;
	size_t n = 1, bytes = u[from].len;
	while (from + n < cap && n < APPLY_BATCH_MAX_FILES && bytes + u[from + n].len <= APPLY_BATCH_MAX_BYTES)
		bytes += u[from + n++].len;
	return n;
}

/*
 * Build the message of b's parts; NULL with err (and *bad, the unit at fault) when the first
 * one's row cannot be quoted; a later one's ends the message before it.
 */
static char *batch_message(struct batch *b, size_t *bad, struct pgb_error *err)
{
	/* the run's transaction keeps today's now() in its rows: the run's start, as unbatched */
	int keep_t0 = b->n > 1 && !b->o->run_transaction;
	struct strbuf sb;
	strbuf_init(&sb);
	if (b->prepare) {
		char *prep = lockrec_prepare_sql(b->o);
		strbuf_adds(&sb, prep);
		free(prep);
		b->part_start = 1; /* the PREPARE's result comes first */
	}
	b->chars[0] = (long)sql_char_count(sb.buf, sb.len);
	for (size_t i = 0; i < b->n; i++) {
		char *part = build_message(b->o, &b->u[b->from + i], &b->sl[i], i, keep_t0, b->prepare, err);
		if (!part && i > 0) { /* the parts before it go now; it fails alone, first of the next message */
			pgb_error_free(err);
			b->n = i;
			break;
		}
		if (!part) {
			*bad = b->from + i;
			strbuf_free(&sb);
			return NULL;
		}
		add_copy_data(&b->u[b->from + i], b->sl[i].base, b->sl[i].end, &b->copy, &b->ncopy);
		size_t len = strlen(part);
		b->chars[i + 1] = b->chars[i] + (long)sql_char_count(part, len);
		strbuf_add(&sb, part, len);
		free(part);
	}
	if (b->prepare)
		strbuf_adds(&sb, "DEALLOCATE " APPLY_LOCKREC_STATEMENT ";\n");
	return strbuf_detach(&sb);
}

/* The part a server position falls in (its characters are 1-based), or n when none. */
static size_t part_at(const struct batch *b, int position)
{
	for (size_t i = 0; position > 0 && i < b->n; i++)
		if (position > b->chars[i] && position <= b->chars[i + 1])
			return i;
	return b->n;
}

/* Make err's statement index and position the failed part's own. */
static void err_to_part(const struct batch *b, size_t part, struct pgb_error *err)
{
	if (err->statement_index >= 0)
		err->statement_index = err->statement_index >= b->part_start ? err->statement_index - b->part_start : 0;
	if (err->position > b->chars[part])
		err->position -= (int)b->chars[part];
}

/* 1 when the DO of reset_keeping_t0_sql failed for want of PL/pgSQL (err's index the part's own). */
static int plpgsql_refused(const struct batch *b, const struct pgb_error *err)
{
	return b->n > 1 && b->marker_at >= 0 && err->statement_index == b->marker_at - b->part_start + 1 + RESET_BEFORE_DO &&
	       (strcmp(err->sqlstate, "42704") == 0 || strcmp(err->sqlstate, "42501") == 0 ||
		strcmp(err->sqlstate, "0A000") == 0);
}

/*
 * 1 when the message failed on its prepared lock record rather than a file: the PREPARE (nothing
 * ran; the error is in no part), or an EXECUTE after the file's statements found the statement
 * gone (a file ran DEALLOCATE ALL). The part at fault is rolled back and goes again.
 */
static int lockrec_refused(const struct batch *b, size_t at, const struct pgb_error *err)
{
	if (!b->prepare)
		return 0;
	if (!b->prepared)
		return b->done == 0 && err->statement_index == 0 && at == b->n && err->code != PGB_EXIT_UNAVAILABLE;
	return b->marker_at >= 0 && strcmp(err->sqlstate, "26000") == 0;
}

/* The lock record's statement after a message failed: best effort (a file may have deallocated it). */
static void deallocate_lockrec(struct db *db)
{
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_alive(db))
		db_exec(db, "DEALLOCATE " APPLY_LOCKREC_STATEMENT, NULL, NULL, &e);
	pgb_error_free(&e);
}

/* what a failed message says happens next */
enum batch_next { BATCH_FAIL, BATCH_AGAIN, BATCH_RETRY };

/*
 * A message failed: its parts before b->done are committed and logged. A syntax error fails a
 * whole message before any of it runs: when it lies in a later part, the parts before that one
 * are sent again without it (*cap). Returns what to do.
 */
static enum batch_next batch_failed(struct db *db, struct batch *b, size_t *cap, struct pgb_error *err)
{
	rollback_attempt(db, b->o);
	if (b->prepared)
		deallocate_lockrec(db);
	size_t at = part_at(b, err->position);
	if (b->done == 0 && err->statement_index == 0 && at < b->n && at > 0) {
		if (!b->o->run_transaction && !signals_received()) {
			*cap = b->from + at;
			return BATCH_AGAIN;
		}
		b->done = at; /* in the run's transaction nothing can be sent again: the error is part at's */
	}
	if (lockrec_refused(b, at, err) && !signals_received()) {
		log_debug("batch_unprepared", "the lock record's statement failed (%s): each row computes its own",
			  err->message);
		g_no_prepare = 1;
		return BATCH_AGAIN;
	}
	err_to_part(b, b->done, err);
	if (plpgsql_refused(b, err) && !signals_received()) {
		log_debug("batch_off", "PL/pgSQL is not available (%s): applying one file a message", err->message);
		g_no_plpgsql = 1;
		return BATCH_AGAIN;
	}
	if (sqlstate_classify(err->sqlstate) == SQLSTATE_LOCK_NOT_AVAILABLE && !signals_received())
		return BATCH_RETRY;
	return BATCH_FAIL;
}

/* One message of units from `from` (at most up to cap). Returns 0 or -1 with err; *done: parts committed. */
static int batch_send(struct db *db, const struct apply_opts *o, const struct apply_unit *u, size_t from, size_t cap,
		      struct batch *b, size_t *bad, struct pgb_error *err)
{
	size_t n = batch_size(o, u, from, cap);
	int prepare = n > 1 && o->lockrec && !o->run_transaction && !g_no_prepare;
	*b = (struct batch){o, u, from, n, prepare, 0, xcalloc(n, sizeof(struct slice)), xcalloc(n + 1, sizeof(long)),
			    0, 0, -1, 0, NULL, NULL, 0};
	char *msg = batch_message(b, bad, err);
	if (!msg)
		return -1;
	progress_watch(db, u[from].path, u[from].version);
	progress_file(u[from].path, u[from].version, (int)n - 1);
	db_copy_data(db, b->copy, b->ncopy);
	int rc = db_exec_each(db, msg, batch_result, b, err);
	db_copy_data(db, NULL, 0);
	progress_unwatch(db);
	free(msg);
	return rc;
}

static void batch_free(struct batch *b)
{
	free(b->sl);
	free(b->chars);
	free(b->locks);
	free(b->copy);
	b->copy = NULL;
	b->ncopy = 0;
	b->sl = NULL;
	b->chars = NULL;
	b->locks = NULL;
}

/* A lock timeout in unit k: log it, name the blockers, wait. Returns 0, or -1 with err (a signal). */
static int batch_wait_retry(struct db *db, const struct apply_opts *o, const struct apply_unit *k, int attempt,
			    long long *pause, struct pgb_error *err)
{
	log_retry(k, o, attempt, *pause);
	log_blockers(db, o, k);
	pgb_error_free(err);
	if (clock_sleep_ms(*pause))
		return pgb_fail_signal(err, signals_received(), "while waiting to retry \"%s\"", k->path);
	*pause = *pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : *pause * 2;
	return 0;
}

int apply_batch(struct db *db, const struct apply_opts *o, const struct apply_unit *u, size_t n, size_t *applied,
		struct pgb_error *err)
{
	size_t next = 0, cap = n, retrying = n;
	int attempt = 1;
	long long pause = RETRY_FIRST_MS;
	*applied = 0;
	while (next < n) {
		if (next > 0 && signals_received())
			return pgb_fail_signal(err, signals_received(), "before \"%s\"", u[next].path);
		struct batch b;
		size_t bad = n;
		int rc = batch_send(db, o, u, next, cap, &b, &bad, err);
		next += b.done;
		*applied = next;
		if (rc == 0 || bad < n) {
			size_t missing = rc == 0 && b.done < b.n ? b.from + b.done : n;
			batch_free(&b);
			if (bad < n)
				return unquotable(&u[bad], err);
			if (missing < n) /* the message ran whole, yet a part's marker or COMMIT was not seen */
				return pgb_fail(err, PGB_EXIT_INTERNAL, "the results of \"%s\" could not be read back",
						u[missing].path);
			cap = n;
			continue;
		}
		if (b.done == b.n) { /* every part committed; what failed came after them */
			batch_free(&b);
			if (strcmp(err->sqlstate, "26000") != 0)
				return -1;
			/* the closing DEALLOCATE, when a file ran DEALLOCATE ALL: nothing is lost */
			pgb_error_free(err);
			cap = n;
			continue;
		}
		enum batch_next what = batch_failed(db, &b, &cap, err);
		struct slice sl = b.sl[b.done];
		next = b.from + b.done; /* the run's transaction: a syntax error in a later part is that part's */
		*applied = next;
		batch_free(&b);
		if (what == BATCH_AGAIN) {
			pgb_error_free(err);
			continue;
		}
		if (what == BATCH_RETRY && retrying != next)
			retrying = next, attempt = 1, pause = RETRY_FIRST_MS;
		if (what == BATCH_RETRY && attempt < o->ddl_lock_retries) {
			if (batch_wait_retry(db, o, &u[next], attempt++, &pause, err))
				return -1;
			cap = n;
			continue;
		}
		if (what == BATCH_RETRY && attempt > 1)
			pgb_error_hint(err, "The %s could not get its lock in %d attempts; find the long transaction "
					    "that holds it (pg_stat_activity) or raise --ddl-lock-timeout.",
				       u[next].words.noun, attempt);
		return report_failure(&u[next], &sl, err);
	}
	return 0;
}

static int apply_atomic(struct db *db, const struct apply_opts *o, const struct apply_unit *u,
			struct pgb_error *err)
{
	size_t applied;
	struct apply_opts one = *o;
	one.batch = 0;
	return apply_batch(db, &one, u, 1, &applied, err);
}

/* ---- statement by statement: the modes that cannot be atomic --------------- */

/* Invalid indexes left behind, as a hint with the statements that drop them. */
static void hint_invalid_indexes(struct db *db, struct pgb_error *err)
{
	struct db_result r;
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_query(db, verify_invalid_index_sql, 0, NULL, &r, &e) == 0) {
		struct strbuf sb;
		strbuf_init(&sb);
		for (int i = 0; i < r.nrows; i++)
			strbuf_addf(&sb, "%s%s;", i ? " " : "", db_cell(&r, i, 2));
		if (r.nrows)
			pgb_error_hint(err, "A failed concurrent build left an invalid index; drop it before the next run: %s",
				       sb.buf);
		strbuf_free(&sb);
		db_result_free(&r);
	}
	pgb_error_free(&e);
}

/* where a statement-by-statement run stopped */
enum step_stop {
	STOP_START,     /* recording the file's start in the history */
	STOP_STATEMENT, /* at statement done + 1 (it failed, or a signal came before it) */
	STOP_PROGRESS,  /* recording the progress of statement done, which ran */
	STOP_FINISH,    /* committing the last transaction and marking the file finished */
	STOP_LOCK       /* the lock check after a step found the migration lock gone */
};

/* state of a statement-by-statement run */
struct stepper {
	struct db *db;
	const struct apply_opts *o;
	const struct apply_unit *u;
	int done;      /* statements run */
	int committed; /* statements whose effect is committed */
	int recorded;  /* the progress the history row holds, committed */
	enum step_stop stop;
	int finish_in_tx; /* STOP_FINISH: the finish held the file's last COMMIT */
	long long lock_timeout; /* the session's lock_timeout as pgboot last set it outside a transaction, -1 unknown */
	int lock_at;            /* STOP_LOCK: the statement after which the lock was found gone */
};

static int step_exec(struct stepper *s, const char *sql, struct pgb_error *err)
{
	if (db_exec(s->db, sql, NULL, NULL, err) == 0)
		return 0;
	db_rollback_if_needed(s->db);
	return -1;
}

/*
 * Record in the history what is committed, in a transaction of its own: run
 * to its end even after a signal (the work it records is done), and tried
 * twice while the connection lives (not when the lock check failed: the
 * record committed before it). Returns 0, or -1 with err.
 */
static int step_record(struct stepper *s, const char *sql, struct pgb_error *err)
{
	if (db_exec_shielded(s->db, sql, err) == 0)
		return 0;
	db_rollback_if_needed(s->db);
	if (!db_alive(s->db) || lock_check_failed(err))
		return -1;
	log_event(LOG_WARNING, "record_retry",
		  LOG_FIELDS(LF_STR("version", s->u->version), LF_STR("reason", err->message)),
		  "could not record the progress of \"%s\" in the history table (%s); trying once more", s->u->path,
		  err->message);
	struct pgb_error again;
	pgb_error_init(&again);
	int rc = db_exec_shielded(s->db, sql, &again);
	if (rc == 0)
		pgb_error_free(err);
	else
		db_rollback_if_needed(s->db);
	pgb_error_free(&again);
	return rc;
}

/* Append to err's message where the run stopped and what of the file stays. */
static void append_stop_point(const struct stepper *s, struct pgb_error *err)
{
	size_t n = s->u->script->n;
	int k = s->stop == STOP_PROGRESS ? s->done : s->done + 1;
	int line = k >= 1 && (size_t)k <= n ? s->u->script->stmts[k - 1].line : 0;
	char *where;
	if (s->stop == STOP_START)
		where = xasprintf("recording its start in the history table; none of its statements ran");
	else if (s->stop == STOP_LOCK)
		where = xasprintf("found after statement %d of %zu, line %d%s; %d statements are committed and stay applied, "
				  "the history table records progress %d", s->lock_at, n,
				  s->lock_at >= 1 ? s->u->script->stmts[s->lock_at - 1].line : 0,
				  s->lock_at > s->committed ? ", which is rolled back" : "", s->committed, s->recorded);
	else if (s->stop == STOP_STATEMENT)
		where = xasprintf("statement %d of %zu, line %d; %d committed before it stay applied", k, n, line, s->committed);
	else if (s->stop == STOP_PROGRESS && s->committed == k)
		where = xasprintf("statement %d of %zu, line %d, is committed, but recording its progress failed; the history "
				  "table still records progress %d", k, n, line, s->recorded);
	else if (s->stop == STOP_PROGRESS)
		where = xasprintf("recording the progress of statement %d of %zu, line %d; its transaction is rolled back, "
				  "%d committed before it stay applied", k, n, line, s->committed);
	else if (s->finish_in_tx)
		where = xasprintf("committing its last transaction; it is rolled back, %d of %zu statements committed before "
				  "it stay applied", s->committed, n);
	else
		where = xasprintf("marking it finished in the history table; all %zu statements are committed, the history "
				  "table records progress %d", n, s->recorded);
	char *m = xasprintf("%s (%s)", err->message ? err->message : "", where);
	free(where);
	free(err->message);
	err->message = m;
}

/* The lock check, or nothing (--lock-mode transaction): a new string. */
static char *check_sql(const struct stepper *s)
{
	struct strbuf sb;
	strbuf_init(&sb);
	add_lock_check(&sb, s->o, s->u);
	return strbuf_detach(&sb);
}

/* Outside a transaction: set the lock_timeout a statement needs, unless the session has it already. */
static int step_timeout(struct stepper *s, int concurrent, struct pgb_error *err)
{
	/* a concurrent build takes no lock that blocks queries, and a lock timeout would leave it INVALID */
	long long want = concurrent ? 0 : s->o->ddl_lock_timeout_ms;
	if (want == s->lock_timeout)
		return 0;
	char set[64];
	snprintf(set, sizeof(set), "SET lock_timeout = %lld", want);
	if (step_exec(s, set, err))
		return report_failure(s->u, NULL, err);
	s->lock_timeout = want;
	return 0;
}

/*
 * Send statement i. *combined: its progress and the lock check went in the
 * same message and commit with it: in the file's transaction, or for an
 * autocommit statement that can share the implicit transaction block of a
 * multi-statement message (one round trip). Statements that cannot (CREATE
 * INDEX CONCURRENTLY, VACUUM ...) and the file's COMMIT go alone.
 */
static int step_send(struct stepper *s, size_t i, const char *progress, int *combined, struct pgb_error *err)
{
	const struct apply_unit *u = s->u;
	const struct sql_stmt *st = &s->u->script->stmts[i];
	int concurrent = stmt_is_concurrent(u->text, st);
	int in_tx = db_in_transaction(s->db);
	if (!in_tx && step_timeout(s, concurrent, err))
		return -1;
	enum stmt_txn txn = stmt_txn(u->text, st);
	*combined = in_tx ? txn != STMT_TXN_COMMIT && txn != STMT_TXN_ROLLBACK : stmt_fits_block(u->text, st);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, u->text + st->start, st->end - st->start);
	if (*combined) {
		char *check = check_sql(s);
		strbuf_addf(&sb, "\n;\n%s;\n%s", progress, check);
		free(check);
	}
	struct slice sl = {st->start, st->end, 0, (int)i, 0};
	struct db_copy_block data = {u->text + st->data_start, st->data_len};
	db_copy_data(s->db, &data, st->data_line ? 1 : 0);
	int rc = send_with_retry(s->db, s->o, u, sb.buf, !in_tx, err);
	db_copy_data(s->db, NULL, 0);
	strbuf_free(&sb);
	if (rc == 0)
		return 0;
	if (*combined && lock_check_failed(err)) { /* the block is rolled back: statement i is not done */
		s->stop = STOP_LOCK;
		s->lock_at = (int)i + 1;
		return report_failure(s->u, NULL, err);
	}
	if (*combined && err->statement_index >= 1) { /* the statement ran; its progress did not */
		s->done = (int)i + 1;
		s->stop = STOP_PROGRESS;
		return report_failure(s->u, NULL, err);
	}
	if (concurrent)
		hint_invalid_indexes(s->db, err);
	return report_failure(s->u, &sl, err);
}

/* After an autocommit statement sent alone, or the file's COMMIT: its progress, then the lock check. */
static int step_progress(struct stepper *s, const char *progress, struct pgb_error *err)
{
	char *check = check_sql(s);
	char *msg = xasprintf("BEGIN READ WRITE;\n%s;\nCOMMIT;\n%s", progress, check);
	free(check);
	s->stop = STOP_PROGRESS;
	int rc = step_record(s, msg, err);
	free(msg);
	if (rc == 0 || lock_check_failed(err))
		s->recorded = s->done > s->recorded ? s->done : s->recorded;
	if (rc && lock_check_failed(err))
		s->stop = STOP_LOCK, s->lock_at = s->done;
	return rc ? report_failure(s->u, NULL, err) : 0;
}

static int step_statement(struct stepper *s, size_t i, struct pgb_error *err)
{
	char *progress = s->u->effect.progress(s->u->effect.arg, (int)i + 1, err);
	if (!progress)
		return unquotable(s->u, err);
	int combined = 0;
	s->stop = STOP_STATEMENT;
	int was_in_tx = db_in_transaction(s->db);
	int rc = step_send(s, i, progress, &combined, err);
	/* the session's lock_timeout is pgboot's no more when the file may have set one, or ran
	 * in a transaction of its own (a SET there outlives its COMMIT) */
	if (was_in_tx || db_in_transaction(s->db) || stmt_sets_session(s->u->text, &s->u->script->stmts[i]))
		s->lock_timeout = -1;
	if (rc == 0) {
		s->done = (int)i + 1;
		int in_tx = db_in_transaction(s->db);
		if (!in_tx)
			s->committed = s->done;
		if (combined && !in_tx)
			s->recorded = s->done > s->recorded ? s->done : s->recorded;
		/* outside a transaction the progress is recorded on its own (a file's BEGIN has none) */
		if (!combined && !in_tx)
			rc = step_progress(s, progress, err);
	}
	free(progress);
	return rc;
}

static int step_start(struct stepper *s, struct pgb_error *err)
{
	const struct apply_unit *u = s->u;
	char *open = u->effect.start(u->effect.arg, err);
	if (!open)
		return unquotable(u, err);
	long long timeout = s->o->ddl_lock_timeout_ms;
	char *msg = u->mode == MODE_STEPWISE && timeout > 0
			    ? xasprintf("BEGIN;\nSET LOCAL lock_timeout = %lld;\n%s", timeout, open)
			    : xasprintf("%s%s", u->mode == MODE_STEPWISE ? "BEGIN;\n" : "", open);
	free(open);
	s->stop = STOP_START;
	int rc = step_exec(s, msg, err);
	free(msg);
	return rc ? report_failure(u, NULL, err) : 0;
}

/* The file's row finished and the session as connect left it; in the file's last transaction when one is open. */
static int step_finish(struct stepper *s, long long start, struct pgb_error *err)
{
	char *finish = s->u->effect.finish(s->u->effect.arg, clock_now_ms() - start, err);
	if (!finish)
		return unquotable(s->u, err);
	s->stop = STOP_FINISH;
	s->finish_in_tx = db_in_transaction(s->db);
	char *reset = reset_sql(s->o), *check = check_sql(s);
	char *msg = s->finish_in_tx ? xasprintf("%s;\n%s;\n%sCOMMIT", reset, finish, check)
				    : xasprintf("BEGIN READ WRITE;\n%s;\n%s;\nCOMMIT;\n%s", reset, finish, check);
	free(finish);
	free(reset);
	free(check);
	int rc = s->finish_in_tx ? step_exec(s, msg, err) : step_record(s, msg, err);
	free(msg);
	if (rc == 0 || (lock_check_failed(err) && !s->finish_in_tx))
		s->committed = s->done, s->recorded = (int)s->u->script->n;
	if (rc && lock_check_failed(err))
		s->stop = STOP_LOCK, s->lock_at = (int)s->u->script->n;
	return rc ? report_failure(s->u, NULL, err) : 0;
}

static int apply_stepwise(struct db *db, const struct apply_opts *o, const struct apply_unit *u,
			  struct pgb_error *err)
{
	/* a re-run keeps the furthest progress any run recorded (the history never says less is done) */
	struct stepper s = {db, o, u, 0, 0, u->prior, STOP_START, 0, -1, 0};
	long long start = clock_now_ms();
	if (u->complete) /* every statement committed before: the row only needs its finish */
		s.done = s.committed = s.recorded = (int)u->script->n;
	int rc = u->complete ? 0 : step_start(&s, err);
	for (size_t i = s.done; rc == 0 && i < u->script->n; i++) {
		s.stop = STOP_STATEMENT;
		rc = signals_received() ? report_failure(u, NULL, err) : step_statement(&s, i, err);
	}
	if (rc == 0)
		rc = step_finish(&s, start, err);
	if (rc) {
		append_stop_point(&s, err);
		return -1;
	}
	log_applied(u, o, clock_now_ms() - start, NULL);
	return 0;
}

/* ---- the unit --------------------------------------------------------------- */

enum apply_mode apply_mode_of(const char *text, const struct sql_script *script, int no_transaction, size_t *first,
			      size_t *last)
{
	const struct sql_stmt *st = script->stmts;
	size_t n = script->n, control = 0, b = n, c = n; /* the first and last SQL statements */
	for (size_t i = 0; i < n; i++) {
		if (st[i].kind != SQL_STMT_SQL) /* a meta-command line is refused or skipped, never sent */
			continue;
		control += stmt_txn(text, &st[i]) == STMT_TXN_BEGIN || stmt_txn(text, &st[i]) == STMT_TXN_COMMIT;
		b = b == n ? i : b;
		c = i;
	}
	if (no_transaction)
		return MODE_NO_TRANSACTION;
	if (control == 0)
		return MODE_ONE_MESSAGE;
	if (control == 2 && b < c && stmt_txn(text, &st[b]) == STMT_TXN_BEGIN && stmt_txn(text, &st[c]) == STMT_TXN_COMMIT) {
		*first = b;
		*last = c;
		return MODE_WRAPPED;
	}
	return MODE_STEPWISE;
}

int apply_mode_is_atomic(enum apply_mode m)
{
	return m == MODE_ONE_MESSAGE || m == MODE_WRAPPED;
}

int apply_unit(struct db *db, const struct apply_opts *o, const struct apply_unit *u, struct pgb_error *err)
{
	if (apply_mode_is_atomic(u->mode))
		return apply_atomic(db, o, u, err); /* a batch of one: batch_send watches its progress */
	progress_watch(db, u->path, u->version);
	int rc = apply_stepwise(db, o, u, err);
	progress_unwatch(db);
	return rc;
}
