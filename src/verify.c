/* verify.c: built-in and user checks (see verify.h). */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "signals.h"
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
		} else if (it->state != ITEM_APPLIED) {
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

/* Run one check's SQL inside a savepoint. 1 passed, 0 failed, -1 connection lost or signal. */
static int run_check(struct db *db, const char *name, const char *file, const char *sql, struct pgb_error *err)
{
	char *msg = xasprintf("SAVEPOINT pgboot_check;\n%s\n;\nRELEASE SAVEPOINT pgboot_check", sql);
	struct db_result *res = NULL;
	int n = 0;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_exec(db, msg, &res, &n, &e);
	free(msg);
	if (rc) {
		if (!db_alive(db) || signals_received()) {
			pgb_error_move(err, &e);
			return -1;
		}
		struct pgb_error ignored;
		pgb_error_init(&ignored);
		db_exec(db, "ROLLBACK TO SAVEPOINT pgboot_check", NULL, NULL, &ignored);
		pgb_error_free(&ignored);
		e.code = PGB_EXIT_VERIFY;
		char *m = xasprintf("check \"%s\" could not run: %s", name, e.message);
		free(e.message);
		e.message = m;
		pgb_error_locus(&e, file, 0, 0);
		log_error(&e);
		pgb_error_free(&e);
		return 0;
	}
	int rows = 0;
	const struct db_result *first = NULL;
	for (int i = 0; i < n; i++) {
		rows += res[i].nrows;
		if (res[i].nrows && !first)
			first = &res[i];
	}
	if (rows) {
		char *shown = format_rows(first);
		report_violation(name, file, rows, shown);
		free(shown);
	}
	db_results_free(res, n);
	return rows == 0;
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

int verify_run(struct db *db, const struct plan *p, const struct checkset *checks, struct pgb_error *err)
{
	long long start = clock_now_ms();
	int failed = builtin_plan_checks(p), total = 3 + (int)checks->n;
	if (checks->n == 0) {
		/* one read-only query needs no transaction of its own: one round trip on the fast path */
		struct db_result r;
		if (db_query(db, INVALID_INDEX_SQL, 0, NULL, &r, err))
			return -1;
		if (r.nrows) {
			char *shown = format_rows(&r);
			report_violation("pgboot: no invalid indexes", NULL, r.nrows, shown);
			free(shown);
			failed++;
		}
		db_result_free(&r);
		return finish(failed, total, start, err);
	}
	if (db_exec(db, "BEGIN READ ONLY", NULL, NULL, err))
		return -1;
	int r = run_check(db, "pgboot: no invalid indexes", NULL, INVALID_INDEX_SQL, err);
	for (size_t i = 0; r >= 0 && i < checks->n; i++) {
		failed += r == 0;
		r = run_check(db, checks->files[i].name, checks->files[i].path, checks->files[i].sql, err);
	}
	if (r < 0) {
		db_rollback_if_needed(db);
		return -1;
	}
	failed += r == 0;
	db_rollback_if_needed(db);
	return finish(failed, total, start, err);
}
