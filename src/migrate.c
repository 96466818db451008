/* migrate.c: apply migrations and seeds (see migrate.h). */
#include "migrate.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "log.h"
#include "signals.h"
#include "sqlsplit.h"
#include "sqlstate.h"
#include "strbuf.h"
#include "xmem.h"

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 15000

static const char *kind_name(enum mig_kind k)
{
	return k == MIG_SEED ? "seed" : "migration";
}

static int refuse(const struct migfile *f, const struct sql_stmt *st, const char *what, const char *hint,
		  struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "%s in \"%s\" is not supported", what, f->path);
	pgb_error_locus(err, f->path, st ? st->line : 0, st ? st->column : 0);
	pgb_error_hint(err, "%s", hint);
	return -1;
}

static int preflight_file(const struct migfile *f, struct pgb_error *err)
{
	if (f->no_transaction)
		return refuse(f, NULL, "a no-transaction directive",
			      "This version of pgboot runs every file in a transaction; remove the directive.", err);
	struct sql_script s;
	if (sql_split(f->content, f->up_len, NULL, &s, err)) {
		pgb_error_locus(err, f->path, err->line, err->column);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		const struct sql_stmt *st = &s.stmts[i];
		if (st->kind == SQL_STMT_META)
			rc = refuse(f, st, "a psql meta-command",
				    "pgboot sends SQL to the server and has no psql meta-commands; "
				    "inline the file or set the value in SQL.", err);
		else if (st->txn != SQL_TXN_NONE)
			rc = refuse(f, st, "transaction control",
				    "pgboot runs each migration in its own transaction; remove BEGIN, COMMIT and ROLLBACK.",
				    err);
	}
	sql_script_free(&s);
	return rc;
}

int migrate_preflight(const struct plan *p, struct pgb_error *err)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (plan_item_is_pending(it, p->allow_out_of_order) && preflight_file(it->file, err))
			return -1;
	}
	return 0;
}

/* The one message that applies f: BEGIN, lock timeout, the file, the history row, COMMIT. */
static char *build_message(const struct pgb_config *cfg, const struct history *h, struct db *db,
			   const struct migfile *f, size_t *prefix_len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "BEGIN;\n");
	if (cfg->ddl_lock_timeout_ms > 0)
		strbuf_addf(&sb, "SET LOCAL lock_timeout = %lld;\n", cfg->ddl_lock_timeout_ms);
	*prefix_len = sb.len;
	strbuf_add(&sb, f->content, f->up_len);
	/* a newline ends a trailing "--" comment, the ";" a last statement without one */
	char *record = history_record_sql(h, db, f);
	strbuf_addf(&sb, "\n;\n%s;\nCOMMIT;", record);
	free(record);
	return strbuf_detach(&sb);
}

/* Point err at the file's line and column from the server's position. */
static void locate_error(const struct migfile *f, size_t prefix_len, struct pgb_error *err)
{
	pgb_error_locus(err, f->path, 0, 0);
	long pos = (long)err->position - (long)prefix_len; /* the prefix is ASCII: bytes are characters */
	int line, col;
	size_t ls, le;
	if (err->position <= 0 || pos <= 0 || sql_locate(f->content, f->up_len, pos, &line, &col, &ls, &le) != 0)
		return;
	pgb_error_locus(err, f->path, line, col);
	free(err->excerpt);
	err->excerpt = sql_caret_excerpt(f->content, f->up_len, line, col);
}

/* Log what a lock timeout retry waits for. */
static void log_retry(const struct migfile *f, const struct pgb_config *cfg, int attempt, long long pause)
{
	char t[32], p[32];
	duration_format(cfg->ddl_lock_timeout_ms, t, sizeof(t));
	duration_format(pause, p, sizeof(p));
	log_event(LOG_WARNING, "lock_retry",
		  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("attempt", attempt),
			     LF_INT("retry_ms", pause)),
		  "%s %s waited more than %s for a lock (attempt %d of %d); retrying in %s", kind_name(f->kind),
		  f->path, t, attempt, cfg->ddl_lock_retries, p);
}

/* Turn a failed apply into the error the user sees. */
static int failed(const struct migfile *f, size_t prefix_len, struct pgb_error *err)
{
	enum sqlstate_class c = sqlstate_classify(err->sqlstate);
	int sig = signals_received();
	if (sig) {
		struct pgb_error e;
		pgb_error_init(&e);
		pgb_fail(&e, PGB_EXIT_SIGNAL + sig, "stopped by signal %d while applying \"%s\"; it was rolled back", sig,
			 f->path);
		pgb_error_move(err, &e);
		return -1;
	}
	if (c == SQLSTATE_TRANSIENT || c == SQLSTATE_TERMINATED || strcmp(err->sqlstate, "08006") == 0) {
		err->code = PGB_EXIT_UNAVAILABLE;
		pgb_error_detail(err, "The connection was lost while applying \"%s\". If the server received the COMMIT, "
				      "the history table shows it; otherwise it was rolled back and the next run applies it.",
				 f->path);
		return -1;
	}
	err->code = PGB_EXIT_MIGRATION;
	locate_error(f, prefix_len, err);
	return -1;
}

static int apply_one(struct db *db, const struct pgb_config *cfg, const struct history *h, const struct migfile *f,
		     struct pgb_error *err)
{
	size_t prefix_len;
	char *msg = build_message(cfg, h, db, f, &prefix_len);
	long long pause = RETRY_FIRST_MS;
	int rc;
	if (f->empty)
		log_event(LOG_WARNING, "empty", LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name)),
			  "%s \"%s\" is empty; recording it as applied", kind_name(f->kind), f->path);
	for (int attempt = 1;; attempt++) {
		long long start = clock_now_ms();
		rc = db_exec(db, msg, NULL, NULL, err);
		if (rc == 0) {
			long long ms = clock_now_ms() - start;
			log_event(LOG_INFO, f->kind == MIG_SEED ? "seed_applied" : "migration_applied",
				  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("ms", ms)),
				  "applied %s %s_%s (%lld ms)", kind_name(f->kind), f->version.text, f->name, ms);
			break;
		}
		db_rollback_if_needed(db);
		if (sqlstate_classify(err->sqlstate) != SQLSTATE_LOCK_NOT_AVAILABLE || signals_received() ||
		    attempt >= cfg->ddl_lock_retries) {
			rc = failed(f, prefix_len, err);
			log_event(LOG_INFO, "rolled_back", LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name)),
				  "rolled back %s %s_%s; no later file was applied", kind_name(f->kind), f->version.text,
				  f->name);
			if (err->code == PGB_EXIT_MIGRATION && attempt > 1)
				pgb_error_hint(err, "The migration could not get its lock in %d attempts; find the long "
						    "transaction that holds it (pg_stat_activity) or raise --ddl-lock-timeout.",
					       attempt);
			break;
		}
		log_retry(f, cfg, attempt, pause);
		pgb_error_free(err);
		if (clock_sleep_ms(pause)) {
			rc = failed(f, prefix_len, err);
			break;
		}
		pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
	}
	free(msg);
	return rc;
}

int migrate_apply(struct db *db, const struct pgb_config *cfg, const struct history *h, const struct plan *p,
		  struct pgb_error *err)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (!plan_item_is_pending(it, p->allow_out_of_order))
			continue;
		if (apply_one(db, cfg, h, it->file, err))
			return -1;
	}
	return 0;
}
