/*
 * migrate.c: apply migrations and seeds (see migrate.h).
 *
 * Every message sent is "prefix + a slice of the file + suffix". The server
 * counts error positions in characters of the whole message; struct slice
 * remembers where the file's bytes sit in it, so an error maps back to the
 * file's line and column whatever the mode.
 */
#include "migrate.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "lock.h"
#include "locus.h"
#include "log.h"
#include "rules.h"
#include "signals.h"
#include "sqlsplit.h"
#include "sqlstate.h"
#include "stmt.h"
#include "strbuf.h"
#include "utf8.h"
#include "verify.h"
#include "xmem.h"

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 15000

struct migrate_job {
	const struct migfile *f;
	struct sql_script script; /* its statements as sent: after the rules, no meta-command line */
	char *blanked; /* the up part with pg_dump's \restrict and \unrestrict lines blanked, or NULL when the
			  file has none: what a message carries of the file (see skip_meta) */
	enum apply_mode mode;
	size_t first, last; /* WRAPPED: the statements that are the file's BEGIN and COMMIT */
	int resume;         /* the history has a row for it already (a partial run): replace it */
	int prior;          /* the progress that row records (0 without one) */
	long long key;      /* the migration lock's; checked after the file's work in --lock-mode session */
	int complete;       /* not atomic, and the row's progress covers every statement: only mark it finished */
};

/* where the file's text sits in a message: file[base..) starts after prefix_chars characters */
struct slice {
	size_t base;
	size_t end;
	long prefix_chars;
	int first_stmt; /* index in the script of the message's first file statement */
	int prefix_stmts; /* statements pgboot put before it in the message */
};

/* ---- preflight ---------------------------------------------------------- */

/* The mode, from the SQL statements alone: a meta-command line is refused or skipped, never sent. */
static void choose_mode(struct migrate_job *j)
{
	const char *buf = j->f->content;
	const struct sql_stmt *st = j->script.stmts;
	size_t n = j->script.n, control = 0, first = n, last = n;
	for (size_t i = 0; i < n; i++) {
		if (st[i].kind != SQL_STMT_SQL)
			continue;
		control += stmt_txn(buf, &st[i]) == STMT_TXN_BEGIN || stmt_txn(buf, &st[i]) == STMT_TXN_COMMIT;
		first = first == n ? i : first;
		last = i;
	}
	if (j->f->no_transaction)
		j->mode = MODE_NO_TRANSACTION;
	else if (control == 0)
		j->mode = MODE_ONE_MESSAGE;
	else if (control == 2 && first < last && stmt_txn(buf, &st[first]) == STMT_TXN_BEGIN &&
		 stmt_txn(buf, &st[last]) == STMT_TXN_COMMIT) {
		j->mode = MODE_WRAPPED;
		j->first = first;
		j->last = last;
	} else {
		j->mode = MODE_STEPWISE;
	}
}

/*
 * A half-applied file: one whose progress covers every statement (not atomic, only marking it
 * finished failed: a lost connection) is only marked finished; any other runs again from the
 * start, which the rules allow only when what it committed is safe to run twice.
 */
static void resume_partial(struct migrate_job *j, const struct plan_item *it)
{
	int atomic = j->mode == MODE_ONE_MESSAGE || j->mode == MODE_WRAPPED;
	if (!atomic && it->row->progress >= 0 && (size_t)it->row->progress >= j->script.n) {
		/* progress is recorded with (or after) the statement's commit: all of them are committed */
		j->complete = 1;
		log_event(LOG_WARNING, "resume", LOG_FIELDS(LF_STR("version", j->f->version.text), LF_INT("done", it->row->progress)),
			  "%s \"%s\" ran every statement before (%d committed) but was not marked finished; marking it "
			  "finished without running it again", history_kind_name(j->f->kind), j->f->path, it->row->progress);
		return;
	}
	log_event(LOG_WARNING, "resume", LOG_FIELDS(LF_STR("version", j->f->version.text), LF_INT("done", it->row->progress)),
		  "%s \"%s\" stopped half-way before (%d statements committed); running it again from the start",
		  history_kind_name(j->f->kind), j->f->path, it->row->progress);
}

/* The statements of j's script that are sent: all but meta-command lines. */
static size_t sql_count(const struct migrate_job *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->script.n; i++)
		n += j->script.stmts[i].kind == SQL_STMT_SQL;
	return n;
}

/* The rules (rules.h), asked about j's file as it will be sent. */
static int check_rules(const struct migrate_job *j, const struct plan_item *it, int one_transaction,
		       struct pgb_error *err)
{
	const struct migfile *f = j->f;
	int atomic = j->mode == MODE_ONE_MESSAGE || j->mode == MODE_WRAPPED;
	struct rule_unit u = {f->path, history_kind_name(f->kind), f->content, f->up_len, &j->script, 0, j->key, 0};
	u.flags = (f->no_transaction ? RULE_NO_TRANSACTION : 0) | (atomic ? RULE_ATOMIC : 0) |
		  (one_transaction ? RULE_ONE_TRANSACTION : 0) | (f->idempotent ? RULE_IDEMPOTENT : 0);
	/* a stepwise file runs again from the start with what it committed (an atomic one rolled back) */
	if (it->state == ITEM_PARTIAL && !atomic && it->row->progress >= 0 && (size_t)it->row->progress < sql_count(j))
		u.rerun_done = it->row->progress;
	return rules_check(&u, err);
}

/*
 * After the rules, the meta-command lines left are pg_dump's \restrict and
 * \unrestrict, which pgboot skips. They leave the script, so statement
 * numbers (progress, the server's statement index) count what is sent; and
 * a message that carries a stretch of the file carries them as spaces (the
 * line ends stay), so the server's character positions and the lines they
 * map to are the file's.
 */
static void skip_meta(struct migrate_job *j)
{
	struct sql_stmt *st = j->script.stmts;
	size_t kept = 0;
	for (size_t i = 0; i < j->script.n; i++) {
		if (st[i].kind == SQL_STMT_SQL) {
			st[kept++] = st[i];
			continue;
		}
		if (!j->blanked) {
			j->blanked = xmalloc(j->f->up_len + 1);
			memcpy(j->blanked, j->f->content, j->f->up_len);
			j->blanked[j->f->up_len] = '\0';
		}
		memset(j->blanked + st[i].start, ' ', st[i].end - st[i].start);
	}
	if (kept == j->script.n)
		return;
	j->script.n = kept;
	choose_mode(j); /* the same mode; WRAPPED's first and last now index the shorter script */
}

/* What a message carries of j's file: its text, or with the skipped lines blanked. */
static const char *sent_text(const struct migrate_job *j)
{
	return j->blanked ? j->blanked : j->f->content;
}

/* Split j's file as the server will read it: in one message, or statement by statement. */
static int split_job(struct migrate_job *j, int scs, int one_message, struct pgb_error *err)
{
	struct sqlsplit_opts opts = {.standard_conforming_strings = scs, .one_message = one_message};
	sql_script_free(&j->script);
	if (sql_split(j->f->content, j->f->up_len, &opts, &j->script, err) == 0)
		return 0;
	pgb_error_locus(err, j->f->path, err->line, err->column);
	return -1;
}

/*
 * The atomic modes send the file in one Query message, which the server lexes whole with
 * the standard_conforming_strings in force when it arrives (scs: connect's, as the reset
 * after every file leaves it); a SET inside changes nothing. A file sent statement by
 * statement (no-transaction, stepwise) is read with the value each SET left.
 */
static int split_and_choose(struct migrate_job *j, int scs, struct pgb_error *err)
{
	if (split_job(j, scs, !j->f->no_transaction, err))
		return -1;
	choose_mode(j);
	return j->mode == MODE_STEPWISE ? split_job(j, scs, 0, err) : 0;
}

static int prepare_job(const struct pgb_config *cfg, long long key, int scs, struct migrate_job *j,
		       const struct plan_item *it, struct pgb_error *err)
{
	j->f = it->file;
	j->key = key;
	j->resume = it->row != NULL;
	j->prior = it->row && it->row->progress > 0 ? it->row->progress : 0;
	if (split_and_choose(j, scs, err) || check_rules(j, it, cfg->lock_mode == LOCK_TRANSACTION, err))
		return -1;
	skip_meta(j);
	if (it->state == ITEM_PARTIAL)
		resume_partial(j, it);
	if (j->mode == MODE_STEPWISE && !j->complete)
		log_event(LOG_INFO, "not_atomic", LOG_FIELDS(LF_STR("version", j->f->version.text)),
			  "%s \"%s\" has transaction control in its middle: it runs statement by statement and is not "
			  "atomic; its progress is recorded", history_kind_name(j->f->kind), j->f->path);
	return 0;
}

int migrate_preflight(const struct pgb_config *cfg, const struct plan *p, long long key, int scs,
		      struct migrate_jobs *jobs, struct pgb_error *err)
{
	jobs->jobs = xcalloc(p->n + 1, sizeof(struct migrate_job));
	jobs->n = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (!plan_item_is_pending(p, it))
			continue;
		if (prepare_job(cfg, key, scs, &jobs->jobs[jobs->n++], it, err)) {
			migrate_jobs_free(jobs);
			return -1;
		}
	}
	return 0;
}

void migrate_jobs_free(struct migrate_jobs *jobs)
{
	for (size_t i = 0; i < jobs->n; i++) {
		sql_script_free(&jobs->jobs[i].script);
		free(jobs->jobs[i].blanked);
	}
	free(jobs->jobs);
	jobs->jobs = NULL;
	jobs->n = 0;
}

/* ---- error loci ----------------------------------------------------------- */

/* Point err at the file's line and column: by position, in a body, or at the failed statement. */
static void locate_error(const struct migrate_job *j, const struct slice *sl, struct pgb_error *err)
{
	long idx = err->statement_index < 0 ? -1 : (long)err->statement_index - sl->prefix_stmts + sl->first_stmt;
	struct locus_map m = {j->f->path, j->f->content, j->f->up_len, &j->script, sl->base, sl->end,
			      sl->prefix_chars, idx < sl->first_stmt ? -1 : idx, 1};
	locus_locate(&m, err);
}

/* ---- failures -------------------------------------------------------------- */

/* The file's history row could not be quoted (err says why): nothing of it was sent. */
static int unquotable(const struct migfile *f, struct pgb_error *err)
{
	pgb_error_locus(err, f->path, 0, 0);
	return -1;
}

/* The lock check after the file's work failed: stop with 75, naming the file. */
static int lock_lost(const struct migrate_job *j, struct pgb_error *err)
{
	struct pgb_error e;
	pgb_error_init(&e);
	pgb_fail(&e, PGB_EXIT_LOCK, "the migration lock was released while applying %s \"%s\"", history_kind_name(j->f->kind),
		 j->f->path);
	pgb_error_locus(&e, j->f->path, 0, 0);
	pgb_error_detail(&e, "Something it ran released pgboot's advisory lock (pg_advisory_unlock_all(), an unlock of "
			     "pgboot's key or DISCARD ALL, perhaps inside a function it calls), so another pgboot may be "
			     "migrating now. pgboot stopped; no later file was applied.");
	pgb_error_hint(&e, "Remove the unlock from the file or from the function it calls. A migration's own advisory "
			   "locks can use the two-argument pg_advisory_lock(int, int), whose keys are never pgboot's.");
	pgb_error_move(err, &e);
	return -1;
}

/* "cannot run inside a transaction block": name the directive that runs a file without one. */
static void hint_no_transaction(const struct migrate_job *j, struct pgb_error *err)
{
	if (j->mode == MODE_ONE_MESSAGE || j->mode == MODE_WRAPPED)
		pgb_error_hint(err, "pgboot runs a file in one transaction. Add the line \"-- pgboot:no-transaction\" at "
				    "the top of the file to run it statement by statement, outside a transaction (not "
				    "atomic: put such a statement in a file of its own).");
	else if (j->mode == MODE_STEPWISE)
		pgb_error_hint(err, "Here it runs inside the file's own transaction: move it after a COMMIT, or add the "
				    "line \"-- pgboot:no-transaction\" at the top of the file.");
}

/*
 * Turn a failed message into the error the user sees. sl says where the
 * file's text sat in the message; NULL when the message held none of it (a
 * history row), then the locus is the file alone.
 */
static int failed(const struct migrate_job *j, const struct slice *sl, struct pgb_error *err)
{
	int sig = signals_received();
	if (sig) {
		struct pgb_error e;
		pgb_error_init(&e);
		pgb_fail_signal(&e, sig, "while applying \"%s\"", j->f->path);
		pgb_error_move(err, &e);
		return -1;
	}
	if (err->code == PGB_EXIT_UNAVAILABLE) { /* db.c: the session ended, not just the statement */
		pgb_error_detail(err, "The connection was lost while applying \"%s\". What was committed is in the history "
				      "table; the rest was rolled back and the next run applies it.", j->f->path);
		return -1;
	}
	if (lock_check_failed(err))
		return lock_lost(j, err);
	err->code = PGB_EXIT_MIGRATION;
	if (sl)
		locate_error(j, sl, err);
	else
		pgb_error_locus(err, j->f->path, 0, 0);
	if (strcmp(err->sqlstate, "25001") == 0)
		hint_no_transaction(j, err);
	return -1;
}

static void log_retry(const struct migfile *f, const struct pgb_config *cfg, int attempt, long long pause)
{
	char t[32], p[32];
	duration_format(cfg->ddl_lock_timeout_ms, t, sizeof(t));
	duration_format(pause, p, sizeof(p));
	log_event(LOG_WARNING, "lock_retry",
		  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("attempt", attempt),
			     LF_INT("retry_ms", pause)),
		  "%s \"%s\" waited more than %s for a lock (attempt %d of %d); retrying in %s", history_kind_name(f->kind),
		  f->path, t, attempt, cfg->ddl_lock_retries, p);
}

/*
 * Name the sessions that can hold the lock a migration waited for. The attempt has ended, so
 * pg_blocking_pids() has no waiter left to ask: any blocker held a lock when the attempt
 * began, so its transaction is older than the attempt. Another role's session hides its
 * transaction start, state, query and backend type (pg_stat_activity): a client's session
 * (it has a role) counts when it holds a relation lock (pg_locks shows every session's), and
 * the line says what is hidden.
 */
static void log_blockers(struct db *db, const struct pgb_config *cfg, const struct migfile *f)
{
	char ms[32];
	snprintf(ms, sizeof(ms), "%lld", cfg->ddl_lock_timeout_ms);
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
					  LOG_FIELDS(LF_STR("version", f->version.text), LF_INT("pid", atoll(pid)),
						     LF_STR("state", state), LF_STR("query", db_cell(&r, i, 5))),
					  "\"%s\" is likely blocked by pid %s (%s, role \"%s\", application \"%s\", "
					  "transaction open %ss): %s",
					  f->path, pid, state, db_cell(&r, i, 3), db_cell(&r, i, 2), db_cell(&r, i, 4),
					  db_cell(&r, i, 5));
			else
				log_event(LOG_WARNING, "blocker",
					  LOG_FIELDS(LF_STR("version", f->version.text), LF_INT("pid", atoll(pid)),
						     LF_STR("role", db_cell(&r, i, 3))),
					  "\"%s\" is likely blocked by pid %s (role \"%s\", application \"%s\", holding "
					  "a table lock; state and query hidden: another role's session)",
					  f->path, pid, db_cell(&r, i, 3), db_cell(&r, i, 2));
		}
		db_result_free(&r);
	}
	pgb_error_free(&e);
}

/* After a failed message: back to the savepoint inside the run's transaction, else roll back. */
static void undo(struct db *db, const struct pgb_config *cfg)
{
	if (cfg->lock_mode == LOCK_TRANSACTION && db_alive(db)) {
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
 * -1 with err as the server said it (the caller maps it).
 */
static int send_with_retry(struct db *db, const struct pgb_config *cfg, const struct migfile *f, const char *msg,
			   int retry_ok, struct pgb_error *err)
{
	long long pause = RETRY_FIRST_MS;
	for (int attempt = 1;; attempt++) {
		if (db_exec(db, msg, NULL, NULL, err) == 0)
			return 0;
		undo(db, cfg);
		if (!retry_ok || sqlstate_classify(err->sqlstate) != SQLSTATE_LOCK_NOT_AVAILABLE || signals_received() ||
		    attempt >= cfg->ddl_lock_retries) {
			if (attempt > 1 && sqlstate_classify(err->sqlstate) == SQLSTATE_LOCK_NOT_AVAILABLE)
				pgb_error_hint(err, "The %s could not get its lock in %d attempts; find the long transaction "
						    "that holds it (pg_stat_activity) or raise --ddl-lock-timeout.",
					       history_kind_name(f->kind), attempt);
			return -1;
		}
		log_retry(f, cfg, attempt, pause);
		log_blockers(db, cfg, f);
		pgb_error_free(err);
		if (clock_sleep_ms(pause))
			return pgb_fail_signal(err, signals_received(), "while waiting to retry \"%s\"", f->path);
		pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
	}
}

/*
 * Log a file done. In the run's transaction (--lock-mode transaction) it is
 * not applied yet: it commits with the run, or not at all (migrate_commit).
 */
static void log_applied(const struct migfile *f, const struct pgb_config *cfg, long long ms)
{
	if (cfg->lock_mode == LOCK_TRANSACTION) {
		log_event(LOG_INFO, f->kind == MIG_SEED ? "seed_ran" : "migration_ran",
			  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("ms", ms)),
			  "ran %s %s_%s (%lld ms; commits with the run)", history_kind_name(f->kind), f->version.text, f->name, ms);
		return;
	}
	log_event(LOG_INFO, f->kind == MIG_SEED ? "seed_applied" : "migration_applied",
		  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("ms", ms)),
		  "applied %s %s_%s (%lld ms)", history_kind_name(f->kind), f->version.text, f->name, ms);
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
static char *reset_sql(const struct pgb_config *cfg)
{
	return xasprintf("RESET SESSION AUTHORIZATION;\nRESET ROLE;\nRESET ALL;\nSET %sstatement_timeout = %lld",
			 cfg->lock_mode == LOCK_TRANSACTION ? "LOCAL " : "", cfg->statement_timeout_ms);
}

/* Append ";\n" and the lock check when the lock is a session's (a transaction's cannot be released). */
static void add_lock_check(struct strbuf *sb, const struct pgb_config *cfg, const struct migrate_job *j)
{
	if (cfg->lock_mode == LOCK_TRANSACTION)
		return;
	char *check = lock_check_sql(j->key);
	strbuf_addf(sb, "%s;\n", check);
	free(check);
}

/* ---- one message: the atomic modes ---------------------------------------- */

/* The message that applies j, or NULL with err when its history row cannot be quoted. */
static char *build_message(const struct pgb_config *cfg, const struct history *h, struct db *db,
			   const struct migrate_job *j, struct slice *sl, struct pgb_error *err)
{
	const struct migfile *f = j->f;
	char *record = history_record_sql(h, db, f, j->resume, err);
	if (!record)
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	memset(sl, 0, sizeof(*sl));
	sl->end = f->up_len;
	/* a UTF-8 byte-order mark is an editor's, not SQL: psql skips it, so does pgboot */
	if (utf8_bom(f->content, f->up_len))
		sl->base = 3;
	int outer = cfg->lock_mode == LOCK_TRANSACTION;
	if (j->mode == MODE_WRAPPED) {
		const struct sql_stmt *b = &j->script.stmts[j->first], *c = &j->script.stmts[j->last];
		if (outer) {
			strbuf_adds(&sb, "SAVEPOINT pgboot_apply;\n");
		} else {
			strbuf_add(&sb, f->content + b->start, b->end - b->start); /* the file's own BEGIN, options and all */
			strbuf_addc(&sb, '\n');
		}
		sl->base = b->end;
		sl->end = c->start;
		sl->first_stmt = 1;
	} else {
		strbuf_adds(&sb, outer ? "SAVEPOINT pgboot_apply;\n" : "BEGIN;\n");
	}
	sl->prefix_stmts = 1;
	if (cfg->ddl_lock_timeout_ms > 0) {
		strbuf_addf(&sb, "SET LOCAL lock_timeout = %lld;\n", cfg->ddl_lock_timeout_ms);
		sl->prefix_stmts++;
	}
	sl->prefix_chars = (long)sql_char_count(sb.buf, sb.len);
	strbuf_add(&sb, sent_text(j) + sl->base, sl->end - sl->base);
	/* a newline ends a trailing "--" comment, the ";" a last statement without one; then the
	 * session as connect left it, the row written in it, and the lock checked before COMMIT */
	char *reset = reset_sql(cfg);
	strbuf_addf(&sb, "\n;\n%s;\n%s;\n", reset, record);
	add_lock_check(&sb, cfg, j);
	strbuf_addf(&sb, "%s;", outer ? "RELEASE SAVEPOINT pgboot_apply" : "COMMIT");
	free(reset);
	free(record);
	return strbuf_detach(&sb);
}

static int apply_atomic(struct db *db, const struct pgb_config *cfg, const struct history *h,
			const struct migrate_job *j, struct pgb_error *err)
{
	struct slice sl;
	char *msg = build_message(cfg, h, db, j, &sl, err);
	if (!msg)
		return unquotable(j->f, err);
	long long start = clock_now_ms();
	int rc = send_with_retry(db, cfg, j->f, msg, 1, err);
	free(msg);
	if (rc)
		return failed(j, &sl, err);
	log_applied(j->f, cfg, clock_now_ms() - start);
	return 0;
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
	const struct pgb_config *cfg;
	const struct history *h;
	const struct migrate_job *j;
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
		  LOG_FIELDS(LF_STR("version", s->j->f->version.text), LF_STR("reason", err->message)),
		  "could not record the progress of \"%s\" in the history table (%s); trying once more", s->j->f->path,
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
static void say_where(const struct stepper *s, struct pgb_error *err)
{
	size_t n = s->j->script.n;
	int k = s->stop == STOP_PROGRESS ? s->done : s->done + 1;
	int line = k >= 1 && (size_t)k <= n ? s->j->script.stmts[k - 1].line : 0;
	char *where;
	if (s->stop == STOP_START)
		where = xasprintf("recording its start in the history table; none of its statements ran");
	else if (s->stop == STOP_LOCK)
		where = xasprintf("found after statement %d of %zu, line %d%s; %d statements are committed and stay applied, "
				  "the history table records progress %d", s->lock_at, n,
				  s->lock_at >= 1 ? s->j->script.stmts[s->lock_at - 1].line : 0,
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
	add_lock_check(&sb, s->cfg, s->j);
	return strbuf_detach(&sb);
}

/* Outside a transaction: set the lock_timeout a statement needs, unless the session has it already. */
static int step_timeout(struct stepper *s, int concurrent, struct pgb_error *err)
{
	/* a concurrent build takes no lock that blocks queries, and a lock timeout would leave it INVALID */
	long long want = concurrent ? 0 : s->cfg->ddl_lock_timeout_ms;
	if (want == s->lock_timeout)
		return 0;
	char set[64];
	snprintf(set, sizeof(set), "SET lock_timeout = %lld", want);
	if (step_exec(s, set, err))
		return failed(s->j, NULL, err);
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
	const struct migfile *f = s->j->f;
	const struct sql_stmt *st = &s->j->script.stmts[i];
	int concurrent = stmt_is_concurrent(f->content, st);
	int in_tx = db_in_transaction(s->db);
	if (!in_tx && step_timeout(s, concurrent, err))
		return -1;
	enum stmt_txn txn = stmt_txn(f->content, st);
	*combined = in_tx ? txn != STMT_TXN_COMMIT && txn != STMT_TXN_ROLLBACK : stmt_fits_block(f->content, st);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, f->content + st->start, st->end - st->start);
	if (*combined) {
		char *check = check_sql(s);
		strbuf_addf(&sb, "\n;\n%s;\n%s", progress, check);
		free(check);
	}
	struct slice sl = {st->start, st->end, 0, (int)i, 0};
	int rc = send_with_retry(s->db, s->cfg, f, sb.buf, !in_tx, err);
	strbuf_free(&sb);
	if (rc == 0)
		return 0;
	if (*combined && lock_check_failed(err)) { /* the block is rolled back: statement i is not done */
		s->stop = STOP_LOCK;
		s->lock_at = (int)i + 1;
		return failed(s->j, NULL, err);
	}
	if (*combined && err->statement_index >= 1) { /* the statement ran; its progress did not */
		s->done = (int)i + 1;
		s->stop = STOP_PROGRESS;
		return failed(s->j, NULL, err);
	}
	if (concurrent)
		hint_invalid_indexes(s->db, err);
	return failed(s->j, &sl, err);
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
	return rc ? failed(s->j, NULL, err) : 0;
}

static int step_statement(struct stepper *s, size_t i, struct pgb_error *err)
{
	char *progress = history_progress_sql(s->h, s->db, s->j->f, (int)i + 1, err);
	if (!progress)
		return unquotable(s->j->f, err);
	int combined = 0;
	s->stop = STOP_STATEMENT;
	int was_in_tx = db_in_transaction(s->db);
	int rc = step_send(s, i, progress, &combined, err);
	/* the session's lock_timeout is pgboot's no more when the file may have set one, or ran
	 * in a transaction of its own (a SET there outlives its COMMIT) */
	if (was_in_tx || db_in_transaction(s->db) || stmt_sets_session(s->j->f->content, &s->j->script.stmts[i]))
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
	const struct migrate_job *j = s->j;
	char *open = history_start_sql(s->h, s->db, j->f, err);
	if (!open)
		return unquotable(j->f, err);
	long long timeout = s->cfg->ddl_lock_timeout_ms;
	char *msg = j->mode == MODE_STEPWISE && timeout > 0
			    ? xasprintf("BEGIN;\nSET LOCAL lock_timeout = %lld;\n%s", timeout, open)
			    : xasprintf("%s%s", j->mode == MODE_STEPWISE ? "BEGIN;\n" : "", open);
	free(open);
	s->stop = STOP_START;
	int rc = step_exec(s, msg, err);
	free(msg);
	return rc ? failed(j, NULL, err) : 0;
}

/* The file's row finished and the session as connect left it; in the file's last transaction when one is open. */
static int step_finish(struct stepper *s, long long start, struct pgb_error *err)
{
	char *finish = history_finish_sql(s->h, s->db, s->j->f, clock_now_ms() - start, err);
	if (!finish)
		return unquotable(s->j->f, err);
	s->stop = STOP_FINISH;
	s->finish_in_tx = db_in_transaction(s->db);
	char *reset = reset_sql(s->cfg), *check = check_sql(s);
	char *msg = s->finish_in_tx ? xasprintf("%s;\n%s;\n%sCOMMIT", reset, finish, check)
				    : xasprintf("BEGIN READ WRITE;\n%s;\n%s;\nCOMMIT;\n%s", reset, finish, check);
	free(finish);
	free(reset);
	free(check);
	int rc = s->finish_in_tx ? step_exec(s, msg, err) : step_record(s, msg, err);
	free(msg);
	if (rc == 0 || (lock_check_failed(err) && !s->finish_in_tx))
		s->committed = s->done, s->recorded = (int)s->j->script.n;
	if (rc && lock_check_failed(err))
		s->stop = STOP_LOCK, s->lock_at = (int)s->j->script.n;
	return rc ? failed(s->j, NULL, err) : 0;
}

static int apply_stepwise(struct db *db, const struct pgb_config *cfg, const struct history *h,
			  const struct migrate_job *j, struct pgb_error *err)
{
	/* a re-run keeps the furthest progress any run recorded (the history never says less is done) */
	struct stepper s = {db, cfg, h, j, 0, 0, j->prior, STOP_START, 0, -1, 0};
	long long start = clock_now_ms();
	if (j->complete) /* every statement committed before: the row only needs its finish */
		s.done = s.committed = s.recorded = (int)j->script.n;
	int rc = j->complete ? 0 : step_start(&s, err);
	for (size_t i = s.done; rc == 0 && i < j->script.n; i++) {
		s.stop = STOP_STATEMENT;
		rc = signals_received() ? failed(j, NULL, err) : step_statement(&s, i, err);
	}
	if (rc == 0)
		rc = step_finish(&s, start, err);
	if (rc) {
		say_where(&s, err);
		return -1;
	}
	log_applied(j->f, cfg, clock_now_ms() - start);
	return 0;
}

/* ---- the loop --------------------------------------------------------------- */

/* "2 migrations and 1 seed": the first n jobs; *seeds counts the seeds among them */
static char *count_files(const struct migrate_jobs *jobs, size_t n, size_t *seeds)
{
	*seeds = 0;
	for (size_t i = 0; i < n; i++)
		*seeds += jobs->jobs[i].f->kind == MIG_SEED;
	size_t migs = n - *seeds, s = *seeds;
	if (s == 0)
		return xasprintf("%zu migration%s", migs, migs == 1 ? "" : "s");
	if (migs == 0)
		return xasprintf("%zu seed%s", s, s == 1 ? "" : "s");
	return xasprintf("%zu migration%s and %zu seed%s", migs, migs == 1 ? "" : "s", s, s == 1 ? "" : "s");
}

/* A file stopped the run: what stays applied depends on the lock mode. */
static void log_stopped(const struct pgb_config *cfg, const struct migrate_jobs *jobs, size_t i, int atomic)
{
	const struct migfile *f = jobs->jobs[i].f;
	if (cfg->lock_mode != LOCK_TRANSACTION) {
		log_event(LOG_INFO, "stopped", LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name)),
			  "%s %s_%s %s; no later file was applied", history_kind_name(f->kind), f->version.text, f->name,
			  atomic ? "was rolled back" : "stopped half-way");
		return;
	}
	size_t seeds;
	char *before = count_files(jobs, i, &seeds);
	log_event(LOG_INFO, "stopped",
		  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("rolled_back", (long long)i)),
		  "%s %s_%s failed: the run's transaction is rolled back%s%s%s; nothing was applied", history_kind_name(f->kind),
		  f->version.text, f->name, i ? " with the " : "", i ? before : "", i ? " run before it" : "");
	free(before);
}

int migrate_apply(struct db *db, const struct pgb_config *cfg, const struct history *h,
		  const struct migrate_jobs *jobs, struct pgb_error *err)
{
	for (size_t i = 0; i < jobs->n; i++) {
		const struct migrate_job *j = &jobs->jobs[i];
		if (signals_received()) {
			pgb_fail_signal(err, signals_received(), "before \"%s\"", j->f->path);
			if (cfg->lock_mode == LOCK_TRANSACTION && i)
				pgb_error_detail(err, "The run's transaction is rolled back: nothing was applied.");
			return -1;
		}
		if (j->f->empty)
			log_event(LOG_WARNING, "empty", LOG_FIELDS(LF_STR("version", j->f->version.text), LF_STR("name", j->f->name)),
				  "%s \"%s\" is empty; recording it as applied", history_kind_name(j->f->kind), j->f->path);
		int atomic = j->mode == MODE_ONE_MESSAGE || j->mode == MODE_WRAPPED;
		if ((atomic ? apply_atomic(db, cfg, h, j, err) : apply_stepwise(db, cfg, h, j, err)) != 0) {
			log_stopped(cfg, jobs, i, atomic);
			return -1;
		}
	}
	return 0;
}

int migrate_commit(struct db *db, const struct migrate_jobs *jobs, struct pgb_error *err)
{
	size_t seeds;
	char *what = count_files(jobs, jobs->n, &seeds);
	int rc = db_exec(db, "COMMIT", NULL, NULL, err);
	if (rc == 0 && jobs->n == 0) {
		log_debug("committed", "committed the run's transaction: another pgboot had applied everything");
	} else if (rc == 0) {
		log_event(LOG_INFO, "committed",
			  LOG_FIELDS(LF_INT("files", (long long)jobs->n), LF_INT("migrations", (long long)(jobs->n - seeds)),
				     LF_INT("seeds", (long long)seeds)),
			  "committed the run's transaction: applied %s", what);
	} else if (db_alive(db)) {
		/* the server answered: the transaction is rolled back (a deferred constraint, a trigger at commit) */
		char *m = xasprintf("could not commit the run's transaction: %s", err->message ? err->message : "");
		free(err->message);
		err->message = m;
		err->code = PGB_EXIT_MIGRATION;
		log_event(LOG_INFO, "stopped", LOG_FIELDS(LF_INT("rolled_back", (long long)jobs->n)),
			  "the run's transaction did not commit: it is rolled back with the %s it ran; nothing was applied",
			  what);
	}
	free(what);
	return rc;
}
