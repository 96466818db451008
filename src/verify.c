/* verify.c: built-in and user checks (see verify.h). */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "locus.h"
#include "log.h"
#include "signals.h"
#include "sqlsplit.h"
#include "stmt.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmem.h"

#define SHOW_ROWS 5
#define VALUE_MAX 200  /* bytes of one value shown; the rest is cut, saying how much */
#define SHOWN_MAX 4096 /* bytes of all the rows shown: one log line stays well under 16 KB */

const char *const verify_invalid_index_sql =
	"SELECT n.nspname AS schema, c.relname AS index, "
	"'DROP INDEX CONCURRENTLY ' || pg_catalog.quote_ident(n.nspname) || '.' || "
	"pg_catalog.quote_ident(c.relname) AS fix "
	"FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid "
	/* an index being built right now is invalid until its build ends: not a leftover */
	"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) "
	"ORDER BY 1, 2";

static const char *const INVALID_INDEX_PROBE_SQL = "SELECT 1 FROM pg_catalog.pg_index WHERE NOT indisvalid LIMIT 1";

/*
 * Format up to SHOW_ROWS rows as "col=value, col=value" lines, each value cut
 * at VALUE_MAX bytes and the whole at about SHOWN_MAX; total counts every row.
 */
static char *format_rows(const struct db_result *r, long long total)
{
	struct strbuf sb;
	strbuf_init(&sb);
	int i = 0;
	for (; i < r->nrows && i < SHOW_ROWS && sb.len < SHOWN_MAX; i++) {
		if (i)
			strbuf_addc(&sb, '\n');
		for (int c = 0; c < r->ncols && sb.len < SHOWN_MAX; c++) {
			const char *v = db_cell(r, i, c);
			strbuf_addf(&sb, "%s%s=", c ? ", " : "", r->colnames[c]);
			strbuf_add_cut(&sb, v ? v : "NULL", VALUE_MAX);
			if (c + 1 < r->ncols && sb.len >= SHOWN_MAX)
				strbuf_addf(&sb, ", ...(%d more columns)", r->ncols - c - 1);
		}
	}
	if (total > i)
		strbuf_addf(&sb, "\n... and %lld more", total - i);
	return strbuf_detach(&sb);
}

static void report_violation(const char *check, const char *file, long long rows, const char *shown)
{
	struct pgb_error e;
	pgb_error_init(&e);
	pgb_fail(&e, PGB_EXIT_VERIFY, "check \"%s\" failed: %lld violation%s", check, rows, rows == 1 ? "" : "s");
	if (file)
		pgb_error_locus(&e, file, 0, 0);
	if (shown && *shown)
		pgb_error_detail(&e, "%s", shown);
	log_error(&e);
	pgb_error_free(&e);
}

/* The built-in checks that need only the plan. Returns the number failed. */
static int builtin_plan_checks(const struct plan *p)
{
	int failed = 0;
	struct strbuf pend, drift;
	strbuf_init(&pend);
	strbuf_init(&drift);
	size_t npend = 0, ndrift = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->kind != MIG_MIGRATION)
			continue;
		const char *what = it->file ? it->file->path : it->row->name;
		/* classified as migrate classifies (plan.h): what it would apply, what it would refuse */
		if (plan_item_is_pending(p, it)) {
			if (npend++ < SHOW_ROWS)
				strbuf_addf(&pend, "%s%s", pend.len ? "\n" : "", what);
		} else if (plan_item_is_drift(p, it)) {
			if (ndrift++ < SHOW_ROWS)
				strbuf_addf(&drift, "%s%s: %s", drift.len ? "\n" : "", what, plan_state_name(it->state));
		}
	}
	if (npend) {
		report_violation("pgboot: no pending migrations", NULL, (long long)npend, pend.buf);
		failed++;
	}
	if (ndrift) {
		report_violation("pgboot: history matches files", NULL, (long long)ndrift, drift.buf);
		failed++;
	}
	strbuf_free(&pend);
	strbuf_free(&drift);
	return failed;
}

/* ---- user checks, batched -------------------------------------------------
 *
 * The checks run in one READ ONLY transaction, each in its own savepoint so
 * that one that errors does not abort the others, and the transaction ends
 * with ROLLBACK. They go to the server in as few messages as possible: every
 * check in one message, framed as
 *
 *   [BEGIN READ ONLY; <reset>] SAVEPOINT pgboot_check; <check> ; RELEASE SAVEPOINT pgboot_check; ...
 *
 * <reset> puts the session back to the state a new connection of the same
 * login gets (RESET SESSION AUTHORIZATION, ROLE, ALL, and pgboot's own
 * statement_timeout), inside the transaction, so it costs no round trip and
 * outlives nothing: verify in a run and a later `pgboot verify` see the same.
 *
 * The server lexes a whole message before it runs any of it, with the
 * standard_conforming_strings and client_encoding the session has then:
 * each check is split with that value right before it is sent (a SET
 * inside a message changes nothing). Transaction control in a check is
 * refused (78) before anything runs, found by reading it both ways (the
 * setting is not known before connecting). When a migration left those
 * settings changed, the reset goes in a message of its own first, so the
 * checks are read as a new session would read them. The command tags the
 * server sends back are what it ran: a check whose statements include a
 * transaction command (a lexer and server that disagree) stops verify
 * with 4.
 *
 * The lexer counts each check's statements, so the results (command tags
 * checked at each frame) say which rows belong to which check. A check
 * that errors at run time settles the checks before it; pgboot rolls back
 * to the savepoint and sends the rest. An error before anything ran (the
 * server parses the whole message first) or a frame that does not line up
 * sends the remaining checks one at a time, each error then its own.
 *
 * Only the first SHOW_ROWS rows of each statement are kept; the others are
 * counted as they stream in and dropped (libpq's single-row mode): memory
 * does not grow with the rows a check returns, the count is exact.
 */

/* messages that carried checks in this run (logged at debug level) */
static int g_messages;
/* the statements that reset the session, after BEGIN (ASCII): RESET_STATEMENTS of them, built by run_checks */
static char *g_reset;
#define RESET_STATEMENTS 4

struct check {
	const char *name, *file, *sql;
	size_t len;
	struct sql_script script; /* statements; split_ok 0 when the lexer could not split it */
	int split_ok;
	int lexed; /* the standard_conforming_strings it was split with, -1 not yet */
};

static void checks_init(struct check *c, const struct checkset *set)
{
	c[0] = (struct check){.name = "pgboot: no invalid indexes", .sql = verify_invalid_index_sql,
			      .len = strlen(verify_invalid_index_sql), .lexed = -1};
	for (size_t i = 0; i < set->n; i++) {
		const struct checkfile *f = &set->files[i];
		/* a byte-order mark is not SQL: psql skips it, the server would not */
		size_t bom = utf8_bom(f->sql, f->len);
		c[i + 1] = (struct check){.name = f->name, .file = f->path, .sql = f->sql + bom, .len = f->len - bom,
					  .lexed = -1};
	}
}

static void checks_free(struct check *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].split_ok)
			sql_script_free(&c[i].script);
}

/* Refuse (78) transaction control in a check read with standard_conforming_strings scs. */
static int refuse_txn_control(const struct check *c, int scs, struct pgb_error *err)
{
	for (size_t k = 0; c->split_ok && k < c->script.n; k++) {
		const struct sql_stmt *st = &c->script.stmts[k];
		if (stmt_txn(c->sql, st) == STMT_TXN_NONE)
			continue;
		pgb_fail(err, PGB_EXIT_CONFIG, "check \"%s\" controls the transaction", c->name);
		if (c->file)
			pgb_error_locus(err, c->file, st->line, st->column);
		pgb_error_detail(err, "Read with standard_conforming_strings = %s, as a server with that setting reads "
				      "it, the check runs \"%.*s\" there. Checks run together in one READ ONLY "
				      "transaction, each in a savepoint.",
				 scs ? "on" : "off", (int)(st->end - st->start > 60 ? 60 : st->end - st->start),
				 c->sql + st->start);
		pgb_error_hint(err, "Remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT statements from the check; write "
				    "string literals that mean the same under either setting (E'it\\'s' or 'it''s').");
		return -1;
	}
	return 0;
}

/* Split checks [from, n) as the server will lex the next message: with the session's setting now. */
static void lex_checks(struct db *db, struct check *c, size_t from, size_t n)
{
	const char *v = db_parameter(db, "standard_conforming_strings");
	int scs = strcmp(v, "off") != 0;
	for (size_t i = from; i < n; i++) {
		if (c[i].lexed == scs)
			continue;
		if (c[i].split_ok)
			sql_script_free(&c[i].script);
		struct sqlsplit_opts opts = {.standard_conforming_strings = scs, .one_message = 1};
		struct pgb_error ignored; /* the server reports what the lexer cannot split */
		pgb_error_init(&ignored);
		c[i].split_ok = sql_split(c[i].sql, c[i].len, &opts, &c[i].script, &ignored) == 0;
		pgb_error_free(&ignored);
		c[i].lexed = scs;
	}
}

/* The tag of a transaction command among res[0..n), or NULL. */
static const char *txn_tag(const struct db_result *res, int n)
{
	static const char *const tags[] = {"BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "SAVEPOINT",
					   "RELEASE", "PREPARE TRANSACTION", "COMMIT PREPARED", "ROLLBACK PREPARED"};
	for (int i = 0; i < n; i++)
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
			if (res[i].command && strcmp(res[i].command, tags[t]) == 0)
				return tags[t];
	return NULL;
}

/* The server ran a transaction command of the check: the lexer missed it. */
static int ended_transaction(const struct check *c, const char *tag, struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_VERIFY, "check \"%s\" ran %s: it left the checks' read-only transaction", c->name, tag);
	if (c->file)
		pgb_error_locus(err, c->file, 0, 0);
	pgb_error_detail(err, "pgboot's lexer did not see this transaction command; the server did. What the check ran "
			      "after it was not read-only.");
	pgb_error_hint(err, "Remove transaction control from the check and look at what it may have written.");
	return -1;
}

/* The rows of one check's statements: 1 passed, 0 failed (logged), -1 it ended the transaction (err). */
static int check_verdict(const struct check *c, const struct db_result *res, int n, struct pgb_error *err)
{
	const char *tag = txn_tag(res, n);
	if (tag)
		return ended_transaction(c, tag, err);
	long long rows = 0;
	const struct db_result *first = NULL;
	for (int i = 0; i < n; i++) {
		rows += res[i].total;
		if (res[i].total && !first)
			first = &res[i];
	}
	if (rows) {
		char *shown = format_rows(first, first->total);
		report_violation(c->name, c->file, rows, shown);
		free(shown);
	}
	return rows == 0;
}

/* Point err into the check's file: by the server's position, else at the failed statement. */
static void locate_in_check(const struct check *c, long prefix_chars, int stmt, struct pgb_error *err)
{
	if (!c->file)
		return;
	struct locus_map m = {c->file, c->sql, c->len, c->split_ok ? &c->script : NULL, 0, c->len, prefix_chars, stmt, 0};
	locus_locate(&m, err);
}

/* A check the server refused to run: logged as a failed check, not a failed run. */
static void report_unrunnable(const struct check *c, long prefix_chars, int stmt, struct pgb_error *e)
{
	e->code = PGB_EXIT_VERIFY;
	char *m = xasprintf("check \"%s\" could not run: %s", c->name, e->message);
	free(e->message);
	e->message = m;
	locate_in_check(c, prefix_chars, stmt, e);
	log_error(e);
}

/* The connection or a signal ended the run while check c ran: name it. */
static void stopped_in_check(const struct check *c, struct pgb_error *err)
{
	if (!err->message || strstr(err->message, "check \""))
		return;
	char *m = xasprintf("check \"%s\" did not finish: %s", c->name, err->message);
	free(err->message);
	err->message = m;
	if (c->file && !err->file)
		pgb_error_locus(err, c->file, 0, 0);
}

static int is_tag(const struct db_result *r, const char *tag)
{
	return r->command && strcmp(r->command, tag) == 0;
}

/* After a check's error: back to its savepoint, or (when the error came before the
 * savepoint was taken) out of the transaction; the next message begins a new one. */
static int rollback_to_check(struct db *db, struct pgb_error *err)
{
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_exec(db, "ROLLBACK TO SAVEPOINT pgboot_check", NULL, NULL, &e);
	if (rc && (!db_alive(db) || signals_received())) {
		pgb_error_move(err, &e);
		return -1;
	}
	pgb_error_free(&e);
	return rc ? db_exec(db, "ROLLBACK", NULL, NULL, err) : 0;
}

struct batch {
	struct strbuf msg;
	long *prefix_chars; /* characters of the message before check i's text */
	int lead;           /* statements before the first frame (BEGIN and the reset) */
};

/* Frame checks [from, to) into one message. */
static void batch_build(struct batch *b, const struct check *c, size_t from, size_t to, int begin)
{
	strbuf_init(&b->msg);
	b->lead = begin ? 1 + RESET_STATEMENTS : 0;
	if (begin)
		strbuf_addf(&b->msg, "BEGIN READ ONLY;\n%s", g_reset);
	static const char head[] = "SAVEPOINT pgboot_check;\n", tail[] = "\n;\nRELEASE SAVEPOINT pgboot_check;\n";
	long chars = (long)b->msg.len; /* ASCII so far */
	for (size_t i = from; i < to; i++) {
		strbuf_adds(&b->msg, head);
		chars += (long)strlen(head);
		b->prefix_chars[i] = chars;
		strbuf_add(&b->msg, c[i].sql, c[i].len);
		strbuf_adds(&b->msg, tail);
		chars += (long)sql_char_count(c[i].sql, c[i].len) + (long)strlen(tail);
	}
}

/*
 * Send checks [from, n) in one message, stopping before one the lexer could
 * not split (c[from] can be split). Adds failed checks to *failed. Returns
 * the first check not settled, with *alone set when the rest must go one at
 * a time; -1 with err set when the connection or a signal ended the run, or
 * a check ended the transaction.
 */
static long run_batch(struct db *db, struct check *c, size_t from, size_t n, int *failed, int *alone,
		      struct pgb_error *err)
{
	g_messages++;
	size_t to = from + 1;
	while (to < n && c[to].split_ok)
		to++;
	struct batch b;
	b.prefix_chars = xcalloc(n, sizeof(long));
	batch_build(&b, c, from, to, !db_in_transaction(db));
	struct db_result *res = NULL;
	int nres = 0;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_exec_rows(db, b.msg.buf, SHOW_ROWS, &res, &nres, &e);
	strbuf_free(&b.msg);
	/* settle every check whose frame came back whole */
	int pos = b.lead, ended = 0;
	size_t i = from;
	for (; i < to; i++) {
		int need = (int)c[i].script.n + 2;
		if (!c[i].split_ok || pos + need > nres)
			break;
		if (!is_tag(&res[pos], "SAVEPOINT") || !is_tag(&res[pos + need - 1], "RELEASE")) {
			*alone = 1; /* the lexer and the server disagree on the statements: trust neither */
			break;
		}
		int j = check_verdict(&c[i], res + pos + 1, need - 2, err);
		if (j < 0) {
			ended = 1;
			break;
		}
		*failed += !j;
		pos += need;
	}
	/* the failing frame must line up too: its SAVEPOINT first, no frame tag after it */
	if (!ended && rc != 0 && !*alone && i < to && nres > pos) {
		int ok = is_tag(&res[pos], "SAVEPOINT");
		for (int k = pos + 1; ok && k < nres; k++)
			ok = !is_tag(&res[k], "SAVEPOINT") && !is_tag(&res[k], "RELEASE");
		if (!ok)
			*alone = 1;
	}
	/* frames out of line: never run again what ran a transaction command (pgboot sends none) */
	const char *tag = NULL;
	for (int k = pos; !ended && *alone && k < nres && !tag; k++)
		if (!is_tag(&res[k], "SAVEPOINT") && !is_tag(&res[k], "RELEASE"))
			tag = txn_tag(&res[k], 1);
	if (tag)
		ended = ended_transaction(&c[i < to ? i : from], tag, err) < 0;
	db_results_free(res, nres);
	long next = (long)i;
	if (ended) {
		next = -1;
	} else if (rc == 0) {
		if (i < to)
			*alone = 1;
	} else if (!db_alive(db) || signals_received()) {
		pgb_error_move(err, &e);
		if (i < to)
			stopped_in_check(&c[i], err);
		next = -1;
	} else if (i < to && !*alone && e.statement_index > pos) {
		/* a statement of check i failed as it ran: it alone failed */
		report_unrunnable(&c[i], b.prefix_chars[i], e.statement_index - pos - 1, &e);
		(*failed)++;
		next = rollback_to_check(db, err) ? -1 : (long)i + 1;
	} else {
		/* nothing ran (a syntax error somewhere) or the frames did not line up */
		*alone = 1;
		if (db_in_transaction(db) && rollback_to_check(db, err))
			next = -1;
	}
	pgb_error_free(&e);
	free(b.prefix_chars);
	return next;
}

/* One check in a message of its own, as written: 1 passed, 0 failed, -1 connection lost, signal or it
 * ended the transaction. */
static int run_alone(struct db *db, const struct check *c, struct pgb_error *err)
{
	g_messages++;
	char *open = db_in_transaction(db) ? xstrdup("SAVEPOINT pgboot_check")
					   : xasprintf("BEGIN READ ONLY; %s SAVEPOINT pgboot_check", g_reset);
	int rc = db_exec(db, open, NULL, NULL, err);
	free(open);
	if (rc)
		return -1;
	struct db_result *res = NULL;
	int n = 0, ok;
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_exec_rows(db, c->sql, SHOW_ROWS, &res, &n, &e) == 0) {
		ok = check_verdict(c, res, n, err);
		if (ok >= 0 && db_exec(db, "RELEASE SAVEPOINT pgboot_check", NULL, NULL, err))
			ok = -1;
	} else if (!db_alive(db) || signals_received()) {
		pgb_error_move(err, &e);
		stopped_in_check(c, err);
		ok = -1;
	} else if (txn_tag(res, n)) {
		ok = ended_transaction(c, txn_tag(res, n), err);
	} else {
		report_unrunnable(c, 0, e.statement_index, &e);
		ok = rollback_to_check(db, err) ? -1 : 0;
	}
	db_results_free(res, n);
	pgb_error_free(&e);
	return ok;
}

/* The invalid-index check and the user checks. Returns the number failed, or -1 (err set). */
static int run_checks(struct db *db, const struct checkset *set, long long statement_timeout_ms,
		      struct pgb_error *err)
{
	size_t n = set->n + 1;
	struct check *c = xcalloc(n, sizeof(*c));
	checks_init(c, set);
	g_messages = 0;
	/* RESET_STATEMENTS statements: the session as a new one of the login has it, with pgboot's timeout */
	g_reset = xasprintf("RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL; SET LOCAL statement_timeout = %lld;\n",
			    statement_timeout_ms);
	int failed = 0, alone = 0;
	long i = 0;
	/* a migration left the session reading text otherwise than a new one would: reset it first */
	if (!db_in_transaction(db) && !db_lexes_as_connected(db) &&
	    db_exec(db, "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL", NULL, NULL, err))
		i = -1;
	while (i >= 0 && (size_t)i < n) {
		lex_checks(db, c, (size_t)i, n);
		if (!alone && c[i].split_ok) {
			i = run_batch(db, c, (size_t)i, n, &failed, &alone, err);
			continue;
		}
		int r = run_alone(db, &c[i], err);
		failed += r == 0;
		i = r < 0 ? -1 : i + 1;
	}
	checks_free(c, n);
	free(c);
	free(g_reset);
	g_reset = NULL;
	db_rollback_if_needed(db);
	log_event(LOG_DEBUG, "checks_sent", LOG_FIELDS(LF_INT("checks", (long long)n), LF_INT("messages", g_messages)),
		  "%zu checks in %d message%s", n, g_messages, g_messages == 1 ? "" : "s");
	return i < 0 ? -1 : failed;
}

/* skipped: checks whose required migrations are not applied (not in total) */
static int finish(int failed, int total, int skipped, long long start, struct pgb_error *err)
{
	long long ms = clock_now_ms() - start;
	char also[64] = "";
	if (skipped)
		snprintf(also, sizeof(also), "; %d skipped", skipped);
	if (failed)
		return pgb_fail(err, PGB_EXIT_VERIFY, "verification failed: %d of %d checks%s", failed, total, also);
	log_event(LOG_INFO, "verified", LOG_FIELDS(LF_INT("checks", total), LF_INT("skipped", skipped), LF_INT("ms", ms)),
		  "verified: %d check%s passed (%lld ms)%s", total, total == 1 ? "" : "s", ms, also);
	return 0;
}

int verify_check_files(const struct checkset *set, struct pgb_error *err)
{
	struct check *c = xcalloc(set->n + 1, sizeof(*c));
	checks_init(c, set);
	int rc = 0;
	/* the server's setting is not known yet: a check must hold no transaction command either way */
	for (size_t i = 1; rc == 0 && i <= set->n; i++) {
		for (int scs = 1; rc == 0 && scs >= 0; scs--) {
			struct sqlsplit_opts opts = {.standard_conforming_strings = scs, .one_message = 1};
			struct pgb_error ignored; /* the server reports what the lexer cannot split */
			pgb_error_init(&ignored);
			c[i].split_ok = sql_split(c[i].sql, c[i].len, &opts, &c[i].script, &ignored) == 0;
			pgb_error_free(&ignored);
			rc = refuse_txn_control(&c[i], scs, err);
			if (c[i].split_ok)
				sql_script_free(&c[i].script);
			c[i].split_ok = 0;
		}
	}
	free(c);
	return rc;
}

const char *verify_probe_sql(const struct checkset *checks)
{
	return checks->n == 0 ? INVALID_INDEX_PROBE_SQL : NULL;
}

/* The INVALID indexes, from a probe the server plans in a fraction of the full query's time; the full one
 * only when the probe finds one. 1 if any (reported), 0 if none, -1 on error. */
static int invalid_indexes(struct db *db, const struct db_result *probe, struct pgb_error *err)
{
	struct db_result r;
	if (!probe) {
		if (db_query(db, INVALID_INDEX_PROBE_SQL, 0, NULL, &r, err))
			return -1;
		int any = r.nrows > 0;
		db_result_free(&r);
		if (!any)
			return 0;
	} else if (probe->nrows == 0) {
		return 0;
	}
	if (db_query(db, verify_invalid_index_sql, 0, NULL, &r, err))
		return -1;
	int found = r.nrows > 0;
	if (found) {
		char *shown = format_rows(&r, r.total);
		report_violation("pgboot: no invalid indexes", NULL, r.total, shown);
		free(shown);
	}
	db_result_free(&r);
	return found;
}

/* The built-in checks (the plan's when plan_checks) and the given user checks. Returns the number failed, or -1. */
static int verify_checks(struct db *db, long long statement_timeout_ms, const struct plan *p, int plan_checks,
			 const struct checkset *checks, const struct db_result *probe, struct pgb_error *err)
{
	int failed = plan_checks ? builtin_plan_checks(p) : 0;
	/* without user checks, one read-only query needs no transaction of its own: no round trip at
	 * all when the probe came with the history, one otherwise */
	int r = checks->n == 0 ? invalid_indexes(db, probe, err) : run_checks(db, checks, statement_timeout_ms, err);
	return r < 0 ? -1 : failed + r;
}

/* 1 when migration version v is applied (a finished row in the history) */
static int version_applied(const struct plan *p, const struct pgb_version *v)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->kind == MIG_MIGRATION && it->row && it->row->progress < 0 &&
		    version_compare(&it->row->version, v) == 0)
			return 1;
	}
	return 0;
}

/* 1 when a migration file or history row has version v */
static int version_known(const struct plan *p, const struct pgb_version *v)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		const struct pgb_version *has = it->file ? &it->file->version : it->row ? &it->row->version : NULL;
		if (it->kind == MIG_MIGRATION && has && version_compare(has, v) == 0)
			return 1;
	}
	return 0;
}

/* The checks whose required versions are all applied, in *out (borrowing checks' files); the others logged. */
static void checks_to_run(const struct plan *p, const struct checkset *checks, struct checkset *out)
{
	out->files = xcalloc(checks->n ? checks->n : 1, sizeof(*out->files));
	out->n = 0;
	for (size_t i = 0; i < checks->n; i++) {
		const struct checkfile *f = &checks->files[i];
		const struct pgb_version *missing = NULL;
		for (size_t k = 0; k < f->nrequires && !missing; k++)
			if (!version_applied(p, &f->requires[k]))
				missing = &f->requires[k];
		if (!missing) {
			out->files[out->n++] = *f;
			continue;
		}
		/* a version no file has either: a typo, or a file removed; the check would never run */
		int known = version_known(p, missing);
		log_event(known ? LOG_INFO : LOG_WARNING, "check_skipped",
			  LOG_FIELDS(LF_STR("check", f->name), LF_STR("file", f->path), LF_STR("requires", missing->text)),
			  "skipped check \"%s\" (%s): it requires migration %s, which is not applied%s", f->name, f->path,
			  missing->text, known ? "" : " and has no file");
	}
}

static int verify_all(struct db *db, long long statement_timeout_ms, const struct plan *p, int plan_checks,
		      const struct checkset *all, const struct db_result *probe, struct pgb_error *err)
{
	long long start = clock_now_ms();
	struct checkset run;
	checks_to_run(p, all, &run);
	/* the probe was asked only when there are no user checks at all */
	int failed = verify_checks(db, statement_timeout_ms, p, plan_checks, &run, all->n == 0 ? probe : NULL, err);
	int total = (plan_checks ? 3 : 1) + (int)run.n, skipped = (int)(all->n - run.n);
	free(run.files);
	return failed < 0 ? -1 : finish(failed, total, skipped, start, err);
}

int verify_run(struct db *db, long long statement_timeout_ms, const struct plan *p, const struct checkset *checks,
	       const struct db_result *probe, struct pgb_error *err)
{
	return verify_all(db, statement_timeout_ms, p, 1, checks, probe, err);
}

int verify_run_applied(struct db *db, long long statement_timeout_ms, const struct plan *p,
		       const struct checkset *checks, struct pgb_error *err)
{
	return verify_all(db, statement_timeout_ms, p, 0, checks, NULL, err);
}
