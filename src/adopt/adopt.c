/* adopt.c: taking over another tool's history (see adopt.h). */
#include "adopt.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "log.h"
#include "signals.h"
#include "strbuf.h"
#include "xmem.h"

#define FOREIGN_LOCK_POLL_MS 100
#define FOREIGN_LOCK_LOG_MS 5000

static void forget_rows(struct adoption *a)
{
	foreign_rows_free(a->rows, a->n);
	free(a->files);
	free(a->row_of);
	a->rows = NULL;
	a->files = NULL;
	a->row_of = NULL;
	a->n = a->nfiles = a->changed = 0;
}

void adoption_free(struct adoption *a)
{
	forget_rows(a);
	free(a->where);
	memset(a, 0, sizeof(*a));
}

static char *reader_names(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; history_readers[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", history_readers[i]->name);
	return strbuf_detach(&sb);
}

static int find_one(struct db *db, const char *from, struct adoption *a, struct pgb_error *err)
{
	const struct history_reader *r = history_reader_find(from);
	if (!r) {
		char *names = reader_names();
		pgb_fail(err, PGB_EXIT_CONFIG, "--from \"%s\": pgboot reads no such tool's history", from);
		pgb_error_hint(err, "Name one of: %s.", names);
		free(names);
		return -1;
	}
	char *where = NULL;
	int rc = r->probe(db, &where, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return pgb_fail(err, PGB_EXIT_CONFIG, "--from %s: no %s history table \"%s\" found where search_path looks",
				r->name, r->name, r->table);
	a->reader = r;
	a->where = where;
	return 1;
}

int adopt_find(struct db *db, const char *from, struct adoption *a, struct pgb_error *err)
{
	free(a->where);
	a->where = NULL;
	a->reader = NULL;
	if (from)
		return find_one(db, from, a, err);
	for (size_t i = 0; history_readers[i]; i++) {
		char *where = NULL;
		int rc = history_readers[i]->probe(db, &where, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (a->reader) {
			pgb_fail(err, PGB_EXIT_CONFIG, "found two other tools' history tables: %s's \"%s\" and %s's \"%s\"",
				 a->reader->name, a->where, history_readers[i]->name, where);
			pgb_error_hint(err, "Say which history to adopt with --from %s or --from %s.", a->reader->name,
				       history_readers[i]->name);
			free(where);
			return -1;
		}
		a->reader = history_readers[i];
		a->where = where;
	}
	return a->reader != NULL;
}

/* 5 naming every row that is not clean */
static int check_clean(const struct adoption *a, struct pgb_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t bad = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->rows[i].unclean)
			strbuf_addf(&sb, "%s%s (%s)", bad++ ? ", " : "", a->rows[i].id, a->rows[i].unclean);
	if (bad) {
		pgb_fail(err, PGB_EXIT_DRIFT, "%s's history \"%s\" is not clean: %s; nothing was adopted", a->reader->name,
			 a->where, sb.buf);
		pgb_error_hint(err, "Repair it with %s first (the migration it left half-done), then adopt again.",
			       a->reader->name);
	}
	strbuf_free(&sb);
	return bad ? -1 : 0;
}

static const struct migfile *file_named(const struct migset *migs, const char *id)
{
	for (size_t i = 0; i < migs->n; i++)
		if (foreign_id_names(id, &migs->files[i]))
			return &migs->files[i];
	return NULL;
}

/* 5 naming every applied row without a local file of its own */
static int check_files(const struct adoption *a, const struct migset *migs, struct pgb_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t bad = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!file_named(migs, a->rows[i].id))
			strbuf_addf(&sb, "%s%s", bad++ ? ", " : "", a->rows[i].id);
	if (bad) {
		pgb_fail(err, PGB_EXIT_DRIFT, "%s applied %s no local file stands for: %s; nothing was adopted",
			 a->reader->name, bad == 1 ? "a migration" : "migrations", sb.buf);
		pgb_error_hint(err, "Adopt with the migrations directory of the release that applied %s.",
			       bad == 1 ? "it" : "them");
	}
	strbuf_free(&sb);
	return bad ? -1 : 0;
}

/* warn of a file whose content is not what the tool applied */
static void compare_content(struct adoption *a, const struct migfile *mf, const struct foreign_row *row)
{
	if (!a->reader->same_content || !row->hash || a->reader->same_content(row, mf) != 0)
		return;
	a->changed++;
	log_event(LOG_WARNING, "adopt_changed",
		  LOG_FIELDS(LF_STR("file", mf->path), LF_STR("tool", a->reader->name), LF_STR("their_hash", row->hash),
			     LF_STR("checksum", mf->checksum)),
		  "file \"%s\" is not what %s applied (its hash of what it applied, %s, is not the file's); "
		  "adopting the file as it is now (pgboot's checksum %s)",
		  mf->path, a->reader->name, row->hash, mf->checksum);
}

int adopt_match(struct db *db, const struct migset *migs, struct adoption *a, struct pgb_error *err)
{
	forget_rows(a);
	if (a->reader->read(db, a->where, &a->rows, &a->n, err) || check_clean(a, err) || check_files(a, migs, err))
		return -1;
	a->files = xcalloc(migs->n + 1, sizeof(*a->files));
	a->row_of = xcalloc(migs->n + 1, sizeof(*a->row_of));
	for (size_t f = 0; f < migs->n; f++) {
		const struct migfile *mf = &migs->files[f];
		for (size_t i = 0; i < a->n; i++) {
			if (!a->reader->matches(&a->rows[i], mf))
				continue;
			a->files[a->nfiles] = mf;
			a->row_of[a->nfiles++] = &a->rows[i];
			compare_content(a, mf, &a->rows[i]);
			break;
		}
	}
	return 0;
}

#define HOLDER_SQL                                                                                             \
	"SELECT l.pid, a.application_name FROM pg_catalog.pg_locks l "                                         \
	"LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "                                            \
	"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = "                      \
	"(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "               \
	"AND ((l.classid::bigint OPERATOR(pg_catalog.<<) 32) OPERATOR(pg_catalog.|) l.objid::bigint) = %lld "  \
	"LIMIT 1"

/* "server process 123 (dbmate)", or "" */
static char *holder(struct db *db, long long key)
{
	char *sql = xasprintf(HOLDER_SQL, key);
	struct db_result *r = NULL;
	int n = 0;
	struct pgb_error e;
	pgb_error_init(&e);
	char *out = NULL;
	if (db_exec(db, sql, &r, &n, &e) == 0 && n > 0 && r[0].nrows > 0)
		out = xasprintf("server process %s (application_name \"%s\")", db_cell(&r[0], 0, 0),
				db_cell(&r[0], 0, 1) ? db_cell(&r[0], 0, 1) : "");
	db_results_free(r, n);
	pgb_error_free(&e);
	free(sql);
	return out ? out : xstrdup("another session");
}

/* 1 when taken, 0 when busy, -1 with err */
static int try_key(struct db *db, long long key, int xact, struct pgb_error *err)
{
	char *sql = xasprintf("SELECT pg_catalog.pg_try_advisory%s_lock(%lld)", xact ? "_xact" : "", key);
	struct db_result *r = NULL;
	int n = 0;
	int rc = db_exec(db, sql, &r, &n, err);
	free(sql);
	int got = rc == 0 && n > 0 && r[0].nrows == 1 && strcmp(db_cell(&r[0], 0, 0), "t") == 0;
	db_results_free(r, n);
	return rc ? -1 : got;
}

static int lock_timed_out(struct db *db, const struct adoption *a, long long timeout_ms, struct pgb_error *err)
{
	char buf[32];
	duration_format(timeout_ms, buf, sizeof(buf));
	char *who = holder(db, a->key);
	pgb_fail(err, PGB_EXIT_LOCK, "could not take %s's advisory lock %lld within %s: %s holds it", a->reader->name,
		 a->key, buf, who);
	pgb_error_hint(err, "%s (an old image?) is migrating this database; pgboot waits for it so the two never "
			    "migrate at once. Raise --lock-timeout, or stop it.", a->reader->name);
	free(who);
	return -1;
}

int adopt_lock(struct db *db, struct adoption *a, long long timeout_ms, int xact, struct pgb_error *err)
{
	if (!a->reader->lock_key || a->key_held)
		return 0;
	int rc = a->reader->lock_key(db, a->where, &a->key, err);
	if (rc <= 0)
		return rc;
	a->has_key = 1;
	long long start = clock_now_ms(), last_log = start;
	for (;;) {
		int got = try_key(db, a->key, xact, err);
		if (got < 0)
			return -1;
		if (got) {
			a->key_held = !xact;
			log_event(LOG_INFO, "foreign_locked", LOG_FIELDS(LF_STR("tool", a->reader->name), LF_INT("key", a->key)),
				  "holding %s's advisory lock %lld too", a->reader->name, a->key);
			return 0;
		}
		long long now = clock_now_ms();
		if (now - start >= timeout_ms)
			return lock_timed_out(db, a, timeout_ms, err);
		if (now - last_log >= FOREIGN_LOCK_LOG_MS) {
			char *who = holder(db, a->key);
			log_event(LOG_INFO, "foreign_lock_wait", LOG_FIELDS(LF_STR("tool", a->reader->name), LF_INT("key", a->key)),
				  "waiting for %s's advisory lock %lld, held by %s", a->reader->name, a->key, who);
			free(who);
			last_log = now;
		}
		if (clock_sleep_ms(FOREIGN_LOCK_POLL_MS))
			return pgb_fail_signal(err, signals_received(), "while waiting for %s's advisory lock", a->reader->name);
	}
}

void adopt_unlock(struct db *db, struct adoption *a)
{
	if (!a->key_held)
		return;
	a->key_held = 0;
	char *sql = xasprintf("SELECT pg_catalog.pg_advisory_unlock(%lld)", a->key);
	struct pgb_error e;
	pgb_error_init(&e);
	if (db_exec(db, sql, NULL, NULL, &e))
		log_event(LOG_DEBUG, "foreign_unlock_failed", LOG_FIELDS(LF_STR("reason", e.message)),
			  "could not release %s's advisory lock (closing the session will): %s", a->reader->name, e.message);
	pgb_error_free(&e);
	free(sql);
}

void adopt_print(FILE *out, const struct adoption *a, const char *database, const struct history *h)
{
	fprintf(out, "would adopt %zu migration%s applied by %s (\"%s\") into history table \"%s\" of database \"%s\":\n",
		a->nfiles, a->nfiles == 1 ? "" : "s", a->reader->name, a->where, h->display, database);
	for (size_t i = 0; i < a->nfiles; i++)
		fprintf(out, "  %s  %s  applied %s\n", a->files[i]->version.text, a->files[i]->name,
			a->row_of[i]->applied_at ? a->row_of[i]->applied_at : "(time unknown: recorded as now)");
	if (a->changed)
		fprintf(out, "%zu file%s differ%s from what %s applied (see the warnings)\n", a->changed,
			a->changed == 1 ? "" : "s", a->changed == 1 ? "s" : "", a->reader->name);
	fprintf(out, "their table \"%s\" stays as it is\n", a->where);
}

static int lock_their_table(struct db *db, const struct adoption *a, struct pgb_error *err)
{
	char *name = reader_sql_name(db, a->where, err);
	if (!name)
		return -1;
	char *sql = xasprintf("LOCK TABLE %s IN SHARE MODE", name);
	int rc = db_exec(db, sql, NULL, NULL, err);
	free(sql);
	free(name);
	return rc;
}

static int insert_rows(struct db *db, struct history *h, const struct adoption *a, struct pgb_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb);
	int rc = 0;
	for (size_t i = 0; i < a->nfiles && rc == 0; i++) {
		char *sql = history_adopted_sql(h, db, a->files[i], a->row_of[i]->applied_at, a->reader->name, err);
		if (!sql)
			rc = -1;
		else
			strbuf_addf(&sb, "%s; ", sql);
		free(sql);
	}
	if (rc == 0 && a->nfiles)
		rc = db_exec(db, sb.buf, NULL, NULL, err);
	strbuf_free(&sb);
	return rc;
}

int adopt_record(struct db *db, struct history *h, const struct migset *migs, struct adoption *a, int in_transaction,
		 struct pgb_error *err)
{
	if (!in_transaction && db_exec(db, "BEGIN", NULL, NULL, err))
		return -1;
	int rc = lock_their_table(db, a, err);
	if (rc == 0)
		rc = adopt_match(db, migs, a, err);
	if (rc == 0 && !h->exists)
		rc = history_create(h, db, 1, err);
	if (rc == 0)
		rc = insert_rows(db, h, a, err);
	if (rc == 0 && !in_transaction)
		rc = db_exec(db, "COMMIT", NULL, NULL, err);
	if (rc) {
		if (!in_transaction)
			db_rollback_if_needed(db);
		return -1;
	}
	log_event(LOG_INFO, "adopted",
		  LOG_FIELDS(LF_STR("tool", a->reader->name), LF_STR("table", a->where), LF_INT("migrations", (long long)a->nfiles)),
		  "adopted %zu migration%s applied by %s (\"%s\") into history table \"%s\"; their table stays as it is",
		  a->nfiles, a->nfiles == 1 ? "" : "s", a->reader->name, a->where, h->display);
	return 0;
}
