/*
 * history.h: pgboot's own history store: where its table is, reading it
 * into history rows (the model, history_row.h), creating it, and the SQL of
 * the row a migration or seed inserts (sent in the migration's own
 * transaction, so the history can never disagree with the schema). Another
 * tool's table is read through history_reader.h.
 *
 *   kind text, version text, name text, checksum text, down_sql text null,
 *   applied_at timestamptz, duration_ms integer, applied_by text,
 *   progress integer null, locks text null, PRIMARY KEY (kind, version)
 *
 * progress is NULL for a finished file. A file that cannot be atomic (a
 * no-transaction directive, or transaction control in its middle) gets its
 * row before its first statement, with progress = the number of its
 * statements that are committed, so a failure or a kill half-way shows.
 * A no-transaction down part being rolled back records its progress in the
 * same column, negative: -2 - k for k statements of it committed (read into
 * the row's rolling_back and down_done; its progress reads -1, finished);
 * its row is deleted when the last one is.
 *
 * locks is the lock record (lockrec.h) of a transactional file, computed by
 * its row's INSERT as the last thing before COMMIT and returned by it as
 * LOCKREC_RETURNING (no round trip of its own; apply.c reads it as the
 * result arrives); NULL for a non-atomic file and for rows an older
 * pgboot wrote. An older pgboot keeps working beside it: it names every
 * column it reads and writes, and the column is nullable with no default.
 * A table made before the column existed gets it from history_upgrade.
 */
#ifndef PGB_HISTORY_H
#define PGB_HISTORY_H

#include <stddef.h>

#include "db.h"
#include "history_row.h"
#include "migfile.h"
#include "version.h"

struct history {
	char *schema;     /* resolved: the configured schema, the one found, or where to create it */
	char *table;
	char *setting;    /* where the name was set, for messages: "--history-table", "PGBOOT_HISTORY_TABLE" */
	char *qualified;  /* quoted "schema"."table", for SQL */
	char *display;    /* schema.table, for messages and the lock key */
	int exists;       /* the table was there when last read */
	int resolved;     /* qualified, or history_resolve ran */
	const char *placement; /* " in the current schema (...)": where and why a table not found is created; "" */
	int read_applied_at;      /* read applied_at as UTC text (status, plan): a cold backend spends a
			     quarter of the read loading the time zone otherwise not needed */
	int read_down;            /* read each row's stored down part (a rollback); else only whether it has one */
	int has_locks;            /* the table has the locks column: created here, or history_upgrade added it */
	struct history_row *rows;
	size_t n;
};

/*
 * An unqualified history table is found in two steps, so that the up-to-date
 * start neither plans a catalog query nor spends a round trip on it:
 *
 * - history_path_sql is an expression the connect query carries (syscache
 *   lookups and one index scan of pg_class by name): the schema, quoted as
 *   an identifier, where search_path finds the table first, when that is an
 *   ordinary or partitioned table and the only table of that name in the
 *   database; else NULL. history_init reads the history there.
 * - Before anything is applied, created or reported (anything but an
 *   up-to-date start from a table the connect query placed), and before the
 *   first read when it placed none (a view or a second table of the name
 *   would be read otherwise), history_resolve looks the name up in every
 *   schema the role may use (USAGE): exactly one: use it, wherever
 *   search_path points; none: the current schema (public when search_path
 *   names none) is where it will be created; more than one: 78 naming each.
 */
/* table: the unqualified name to find; NULL when there is nothing to look up (then NULL), or on err (70). */
char *history_path_sql(struct db *db, const char *table, struct pgb_error *err);
/*
 * Work out the table's name: the configured schema; else path_schema (the
 * connect query's answer, may be NULL); else where it would be created.
 * read_applied_at: read applied_at as text (a report shows it). Returns 0 or -1
 * (70 when libpq cannot quote the name).
 */
struct history_name {
	const char *schema;  /* as configured; NULL: found on search_path */
	const char *table;
	const char *setting; /* where it was set, for messages; NULL: "--history-table" */
};
int history_init(struct history *h, struct db *db, const struct history_name *name, int read_applied_at,
		 const char *current_schema, const char *path_schema, struct pgb_error *err);
/*
 * The full lookup (one query): 1 when it moved h to another schema (read the
 * history again), 0 when h stays, -1 with err (78 when found in more than one
 * schema). Sets h->resolved.
 */
int history_resolve(struct history *h, struct db *db, const char *current_schema, struct pgb_error *err);
void history_free(struct history *h);
/*
 * A read-only query sent in the same message as the history's SELECT, so
 * that a later step finds its answer without a round trip of its own. It
 * runs only when the history table exists and outside a transaction block;
 * then *result, which the caller passes empty, holds its rows (the caller
 * frees); otherwise it stays empty (result->command NULL).
 */
struct history_extra_query {
	const char *sql;
	struct db_result *result;
};

/*
 * (Re)read every row; a missing table is no error (h->exists = 0). extra
 * may be NULL. Returns 0 or -1.
 */
int history_read(struct history *h, struct db *db, struct history_extra_query *extra, struct pgb_error *err);
/*
 * h's table is missing: before it is created (or everything reported pending),
 * refuse (78, naming both tables, the hint the ALTER TABLE ... SET SCHEMA that
 * moves it) when a table of its name with pgboot's history columns is in
 * another schema the role may use and holds rows (or may not be read): a new,
 * empty history would run every migration again. An empty one is no history.
 * One query, and one for each table found. Returns 0 or -1.
 */
int history_check_elsewhere(const struct history *h, struct db *db, struct pgb_error *err);
/*
 * CREATE TABLE IF NOT EXISTS, in its own transaction unless in_transaction
 * (the caller's transaction holds it). Returns 0 or -1 (77 when not
 * permitted, 78 when the configured schema does not exist).
 */
int history_create(struct history *h, struct db *db, int in_transaction, struct pgb_error *err);
/*
 * When a file's transaction started, as its row's applied_at and the start
 * of its duration_ms: the clock_timestamp() the executor records in
 * pgboot.t0 at the top of the transaction when several transactions share
 * one message (apply.h's batches: their now() is the message's arrival),
 * else now(), the transaction's start.
 */
#define HISTORY_START_SQL                                                                                          \
	"coalesce(NULLIF(pg_catalog.current_setting('pgboot.t0', true), '')::pg_catalog.timestamptz, " \
	"pg_catalog.now())"
/*
 * The INSERT of mf's row, computing duration_ms from the transaction's
 * start (HISTORY_START_SQL). A seed's row, or one that replaces a half-applied run (replace),
 * is an upsert; a migration's is a plain INSERT, so a second apply of the
 * same version fails on the primary key instead of passing. When the table
 * has the locks column (h->has_locks) the row records the lock record too
 * and the INSERT returns it (RETURNING locks AS LOCKREC_RETURNING). The
 * caller frees. These four return NULL with err (70) when libpq cannot quote a value (a
 * file name that is not UTF-8): nothing unquoted is ever sent.
 */
char *history_record_sql(const struct history *h, struct db *db, const struct migfile *mf, int replace,
			 struct pgb_error *err);
/*
 * The lock record expression (lockrec_sql) history_record_sql puts in a row
 * when h->has_locks, exactly as it writes it: apply.h's batches find it in a
 * row's INSERT to read it from a statement prepared once a message. NULL
 * with err (70) when the table's name cannot be quoted. The caller frees.
 */
char *history_lockrec_sql(const struct history *h, struct db *db, struct pgb_error *err);
/*
 * Add the locks column to a table made before it existed (a catalog check
 * first, so the ACCESS EXCLUSIVE lock is taken only when the column is
 * missing), in a transaction of its own waiting at most lock_timeout_ms for
 * the table; sets h->has_locks. Adding it is not worth a failed deploy:
 * refused (not the table's owner) or timed out, it logs a warning and
 * returns 0, and the rows go without a record. -1 (69) only when the
 * connection is lost.
 */
int history_upgrade(struct history *h, struct db *db, long long lock_timeout_ms, struct pgb_error *err);
/* Upsert mf's row as started (a non-atomic file is about to run): progress 0, or what a
 * half-applied row records: a re-run's objects may already exist that far. */
char *history_start_sql(const struct history *h, struct db *db, const struct migfile *mf, struct pgb_error *err);
/* Record that the first `done` statements of mf are committed (progress never goes down). */
char *history_progress_sql(const struct history *h, struct db *db, const struct migfile *mf, int done,
			   struct pgb_error *err);
/* Mark mf's started row finished, with its duration measured by the caller. */
char *history_finish_sql(const struct history *h, struct db *db, const struct migfile *mf, long long ms,
			 struct pgb_error *err);
/* The DELETE of a migration's row (a rollback, in the down part's own transaction); NULL with err (70). */
char *history_delete_sql(const struct history *h, struct db *db, const struct history_row *row, struct pgb_error *err);
/* A no-transaction down part about to run: progress -2, or what an earlier run of it recorded. */
char *history_down_start_sql(const struct history *h, struct db *db, const struct history_row *row,
			     struct pgb_error *err);
/* Record that the first `done` statements of row's down part are committed: -2 - done (never less done). */
char *history_down_progress_sql(const struct history *h, struct db *db, const struct history_row *row, int done,
				struct pgb_error *err);
/* A reset's last message: the seeds' rows deleted (its tag counts them), then with drop the table dropped. The caller frees. */
char *history_reset_sql(const struct history *h, int drop);
/*
 * The INSERT of an adopted migration's row (adopt.h): applied_at the text
 * given (a timestamptz's; NULL: now()), duration 0, applied_by "adopted
 * from TOOL (pgboot 0.1.0 on HOSTNAME)". NULL with err (70).
 */
char *history_adopted_sql(const struct history *h, struct db *db, const struct migfile *mf, const char *applied_at,
			  const char *tool, struct pgb_error *err);
/*
 * pgboot baseline: the INSERT of the rows of files[0..n) as applied without
 * running them: pgboot's checksum, the down part as migrate stores it,
 * duration 0, applied_by history_baselined_by(). A plain INSERT (the caller
 * holds the lock and left out the versions already there). NULL with err (70).
 */
char *history_baseline_sql(const struct history *h, struct db *db, const struct migfile *const *files, size_t n,
			   struct pgb_error *err);
/* "baselined by pgboot 0.1.0 on HOSTNAME" (history_row.h's HISTORY_BASELINED_BY, then history_applied_by) */
const char *history_baselined_by(void);
/* "pgboot 0.1.0 on HOSTNAME" */
const char *history_applied_by(void);

#endif
