/* verify.c: built-in and user checks (see verify.h). */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "signals.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "xmem.h"

#define SHOW_ROWS 5

static const char *const INVALID_INDEX_SQL =
	"SELECT n.nspname AS schema, c.relname AS index, "
	"'DROP INDEX CONCURRENTLY ' || pg_catalog.quote_ident(n.nspname) || '.' || "
	"pg_catalog.quote_ident(c.relname) AS fix "
	"FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid "
	/* an index being built right now is invalid until its build ends: not a leftover */
	"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) "
	"ORDER BY 1, 2";

static const char *const INVALID_INDEX_PROBE_SQL = "SELECT 1 FROM pg_catalog.pg_index WHERE NOT indisvalid LIMIT 1";

/* Format up to SHOW_ROWS rows as "col=value, col=value" lines. */
static char *format_rows(const struct db_result *r)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < r->nrows && i < SHOW_ROWS; i++) {
		if (i)
			strbuf_addc(&sb, '\n');
		for (int c = 0; c < r->ncols; c++) {
			const char *v = db_cell(r, i, c);
			strbuf_addf(&sb, "%s%s=%s", c ? ", " : "", r->colnames[c], v ? v : "NULL");
		}
	}
	if (r->nrows > SHOW_ROWS)
		strbuf_addf(&sb, "\n... and %d more", r->nrows - SHOW_ROWS);
	return strbuf_detach(&sb);
}

static void report_violation(const char *check, const char *file, int rows, const char *shown)
{
	struct pgb_error e;
	pgb_error_init(&e);
	pgb_fail(&e, PGB_EXIT_VERIFY, "check \"%s\" failed: %d violation%s", check, rows, rows == 1 ? "" : "s");
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
		if (it->state == ITEM_PENDING || it->state == ITEM_OUT_OF_ORDER) {
			if (npend++ < SHOW_ROWS)
				strbuf_addf(&pend, "%s%s", pend.len ? "\n" : "", what);
		} else if (it->state != ITEM_APPLIED && (it->state != ITEM_FUTURE || p->strict)) {
			if (ndrift++ < SHOW_ROWS)
				strbuf_addf(&drift, "%s%s: %s", drift.len ? "\n" : "", what, plan_state_name(it->state));
		}
	}
	if (npend) {
		report_violation("pgboot: no pending migrations", NULL, (int)npend, pend.buf);
		failed++;
	}
	if (ndrift) {
		report_violation("pgboot: history matches files", NULL, (int)ndrift, drift.buf);
		failed++;
	}
	strbuf_free(&pend);
	strbuf_free(&drift);
	return failed;
}

/* ---- user checks, batched -------------------------------------------------
 *
 * The checks run in one READ ONLY transaction, each in its own savepoint so
 * that one that errors does not abort the others. They go to the server
 * in as few messages as possible: every check in one message, framed as
 *
 *   [BEGIN READ ONLY;] SAVEPOINT pgboot_check; <check> ; RELEASE SAVEPOINT pgboot_check; ...
 *
 * The lexer counts each check's statements, so the results (command tags
 * checked at each frame) say which rows belong to which check. A check
 * that errors at run time settles the checks before it; pgboot rolls back
 * to the savepoint and sends the rest. An error before anything ran (the
 * server parses the whole message first) or a frame that does not line up
 * sends the remaining checks one at a time, each error then its own.
 */

/* messages that carried checks in this run (logged at debug level) */
static int g_messages;

struct check {
	const char *name, *file, *sql;
	size_t len;
	struct sql_script script; /* statements; split_ok 0 when the lexer could not split it */
	int split_ok;
};

static void checks_init(struct check *c, const struct checkset *set, const struct sqlsplit_opts *opts)
{
	c[0] = (struct check){.name = "pgboot: no invalid indexes", .sql = INVALID_INDEX_SQL,
			      .len = strlen(INVALID_INDEX_SQL)};
	for (size_t i = 0; i < set->n; i++) {
		const struct checkfile *f = &set->files[i];
		/* a byte-order mark is not SQL: psql skips it, the server would not */
		size_t bom = f->len >= 3 && memcmp(f->sql, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
		c[i + 1] = (struct check){.name = f->name, .file = f->path, .sql = f->sql + bom, .len = f->len - bom};
	}
	for (size_t i = 0; i <= set->n; i++) {
		struct pgb_error ignored;
		pgb_error_init(&ignored);
		c[i].split_ok = sql_split(c[i].sql, c[i].len, opts, &c[i].script, &ignored) == 0;
		pgb_error_free(&ignored);
	}
}

static void checks_free(struct check *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sql_script_free(&c[i].script);
}

/* The rows of one check's statements: 1 passed, 0 failed (logged). */
static int judge(const struct check *c, const struct db_result *res, int n)
{
	int rows = 0;
	const struct db_result *first = NULL;
	for (int i = 0; i < n; i++) {
		rows += res[i].nrows;
		if (res[i].nrows && !first)
			first = &res[i];
	}
	if (rows) {
		char *shown = format_rows(first);
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
	int line = 0, col = 0;
	long rel = (long)err->position - prefix_chars;
	if (err->position > 0 && rel > 0 && sql_locate(c->sql, c->len, rel, &line, &col, NULL, NULL) == 0) {
		/* found by position */
	} else if (c->split_ok && stmt >= 0 && (size_t)stmt < c->script.n) {
		line = c->script.stmts[stmt].line;
		col = c->script.stmts[stmt].column;
	}
	pgb_error_locus(err, c->file, line, col);
	free(err->excerpt);
	err->excerpt = line > 0 ? sql_caret_excerpt(c->sql, c->len, line, col) : NULL;
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
	int lead;           /* statements before the first frame (BEGIN) */
};

/* Frame checks [from, to) into one message. */
static void batch_build(struct batch *b, const struct check *c, size_t from, size_t to, int begin)
{
	strbuf_init(&b->msg);
	b->lead = begin;
	if (begin)
		strbuf_adds(&b->msg, "BEGIN READ ONLY;\n");
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
 * a time; -1 with err set when the connection or a signal ended the run.
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
	int rc = db_exec(db, b.msg.buf, &res, &nres, &e);
	strbuf_free(&b.msg);
	/* settle every check whose frame came back whole */
	int pos = b.lead;
	size_t i = from;
	for (; i < to; i++) {
		int need = (int)c[i].script.n + 2;
		if (!c[i].split_ok || pos + need > nres)
			break;
		if (!is_tag(&res[pos], "SAVEPOINT") || !is_tag(&res[pos + need - 1], "RELEASE")) {
			*alone = 1; /* the lexer and the server disagree on the statements: trust neither */
			break;
		}
		*failed += !judge(&c[i], res + pos + 1, need - 2);
		pos += need;
	}
	/* the failing frame must line up too: its SAVEPOINT first, no frame tag after it */
	if (rc != 0 && !*alone && i < to && nres > pos) {
		int ok = is_tag(&res[pos], "SAVEPOINT");
		for (int k = pos + 1; ok && k < nres; k++)
			ok = !is_tag(&res[k], "SAVEPOINT") && !is_tag(&res[k], "RELEASE");
		if (!ok)
			*alone = 1;
	}
	db_results_free(res, nres);
	long next = (long)i;
	if (rc == 0) {
		if (i < to)
			*alone = 1;
	} else if (!db_alive(db) || signals_received()) {
		pgb_error_move(err, &e);
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

/* One check in a message of its own, as written: 1 passed, 0 failed, -1 connection lost or signal. */
static int run_alone(struct db *db, const struct check *c, struct pgb_error *err)
{
	g_messages++;
	const char *open = db_in_transaction(db) ? "SAVEPOINT pgboot_check" : "BEGIN READ ONLY; SAVEPOINT pgboot_check";
	if (db_exec(db, open, NULL, NULL, err))
		return -1;
	struct db_result *res = NULL;
	int n = 0, ok;
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_exec(db, c->sql, &res, &n, &e) == 0) {
		ok = judge(c, res, n);
		if (db_exec(db, "RELEASE SAVEPOINT pgboot_check", NULL, NULL, err))
			ok = -1;
	} else if (!db_alive(db) || signals_received()) {
		pgb_error_move(err, &e);
		ok = -1;
	} else {
		report_unrunnable(c, 0, e.statement_index, &e);
		ok = rollback_to_check(db, err) ? -1 : 0;
	}
	db_results_free(res, n);
	pgb_error_free(&e);
	return ok;
}

/* The invalid-index check and the user checks. Returns the number failed, or -1 (err set). */
static int run_checks(struct db *db, const struct checkset *set, struct pgb_error *err)
{
	size_t n = set->n + 1;
	struct check *c = xcalloc(n, sizeof(*c));
	const char *scs = db_parameter(db, "standard_conforming_strings");
	struct sqlsplit_opts opts = {.standard_conforming_strings = !scs || strcmp(scs, "off") != 0};
	checks_init(c, set, &opts);
	g_messages = 0;
	int failed = 0, alone = 0;
	long i = 0;
	while (i >= 0 && (size_t)i < n) {
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
	db_rollback_if_needed(db);
	log_event(LOG_DEBUG, "checks_sent", LOG_FIELDS(LF_INT("checks", (long long)n), LF_INT("messages", g_messages)),
		  "%zu checks in %d message%s", n, g_messages, g_messages == 1 ? "" : "s");
	return i < 0 ? -1 : failed;
}

static int finish(int failed, int total, long long start, struct pgb_error *err)
{
	long long ms = clock_now_ms() - start;
	if (failed)
		return pgb_fail(err, PGB_EXIT_VERIFY, "verification failed: %d of %d checks", failed, total);
	log_event(LOG_INFO, "verified", LOG_FIELDS(LF_INT("checks", total), LF_INT("ms", ms)),
		  "verified: %d checks passed (%lld ms)", total, ms);
	return 0;
}

int verify_check_files(const struct checkset *set, struct pgb_error *err)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct checkfile *f = &set->files[i];
		struct sql_script sc;
		struct pgb_error ignored; /* the server reports what the lexer cannot split */
		pgb_error_init(&ignored);
		int split = sql_split(f->sql, f->len, NULL, &sc, &ignored) == 0;
		pgb_error_free(&ignored);
		for (size_t k = 0; split && k < sc.n; k++) {
			if (sc.stmts[k].txn == SQL_TXN_NONE)
				continue;
			pgb_fail(err, PGB_EXIT_CONFIG, "check \"%s\" controls the transaction", f->name);
			pgb_error_locus(err, f->path, sc.stmts[k].line, sc.stmts[k].column);
			pgb_error_detail(err, "Checks run together in one READ ONLY transaction, each in a savepoint.");
			pgb_error_hint(err, "Remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT statements from the check.");
			sql_script_free(&sc);
			return -1;
		}
		if (split)
			sql_script_free(&sc);
	}
	return 0;
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
	if (db_query(db, INVALID_INDEX_SQL, 0, NULL, &r, err))
		return -1;
	int found = r.nrows > 0;
	if (found) {
		char *shown = format_rows(&r);
		report_violation("pgboot: no invalid indexes", NULL, r.nrows, shown);
		free(shown);
	}
	db_result_free(&r);
	return found;
}

int verify_run(struct db *db, const struct plan *p, const struct checkset *checks, const struct db_result *probe,
	       struct pgb_error *err)
{
	long long start = clock_now_ms();
	int failed = builtin_plan_checks(p), total = 3 + (int)checks->n;
	if (checks->n == 0) {
		/* one read-only query needs no transaction of its own: no round trip at all when the
		 * probe came with the history, one otherwise */
		int r = invalid_indexes(db, probe, err);
		if (r < 0)
			return -1;
		return finish(failed + r, total, start, err);
	}
	int r = run_checks(db, checks, err);
	if (r < 0)
		return -1;
	return finish(failed + r, total, start, err);
}
