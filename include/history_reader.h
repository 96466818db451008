/*
 * history_reader.h: the interface a reader of another tool's history table
 * implements (Flyway's flyway_schema_history, golang-migrate's and dbmate's
 * schema_migrations, goose_db_version, drizzle's __drizzle_migrations,
 * Alembic's alembic_version ...), for `pgboot adopt` (adopt.h): find the
 * table, read its rows in the tool's own terms, say which are not clean,
 * match a row to a local file, and name the tool's advisory lock key.
 * pgboot's own table is read by history.h, which also writes it.
 *
 * Adding a reader: src/adopt/<tool>.c defining `const struct history_reader
 * reader_<tool>`, and one X(<tool>) line in src/adopt/readers.c's table.
 * A reader only reads: it never writes the tool's table.
 */
#ifndef PGB_HISTORY_READER_H
#define PGB_HISTORY_READER_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "migfile.h"

/* One row of a foreign history, in the tool's terms. */
struct foreign_row {
	char *id;         /* the tool's id of the migration: a version ("20221023135826", "1.10", "3"), a
			     file name (sql-migrate), a directory name (prisma), a name (node-pg-migrate),
			     drizzle's created_at, Alembic's revision */
	char *hash;       /* the tool's hash of the file as it keeps it (hex, or decimal for Flyway's CRC32),
			     NULL when it keeps none */
	char *applied_at; /* "2026-11-29T09:22:28Z" (UTC), NULL when the tool keeps no time */
	char *unclean;    /* NULL when the row is a clean applied migration; else why it is not, for the
			     refusal: "dirty", "success = false", "a down row (is_applied = false)",
			     "finished_at is null" ... */
};

struct history_reader {
	const char *name;  /* the tool, as --from spells it: "flyway", "golang-migrate" ... */
	const char *table; /* its default table, for messages: "flyway_schema_history" */
	/*
	 * 1 when the tool's history table is in the database, told apart from
	 * look-alikes by its columns, with *where (malloc'd) its qualified name
	 * ("public.schema_migrations"); 0 when not; -1 with err.
	 */
	int (*probe)(struct db *db, char **where, struct pgb_error *err);
	/* The applied rows (and the unclean ones), oldest first: 0 with *rows (free with foreign_rows_free), or -1. */
	int (*read)(struct db *db, const char *where, struct foreign_row **rows, size_t *n, struct pgb_error *err);
	/* 1 when row stands for the local file mf (by version or id: migfile.tool_id when set, else the version text) */
	int (*matches)(const struct foreign_row *row, const struct migfile *mf);
	/*
	 * 1 when the tool's hash of mf equals row->hash, 0 when it differs, -1
	 * when the tool keeps none (NULL: none). Each tool's own algorithm:
	 * drizzle's SHA-256, Flyway's CRC32, sqlx's SHA-384, prisma's SHA-256.
	 */
	int (*same_content)(const struct foreign_row *row, const struct migfile *mf);
	/*
	 * The tool's advisory lock key, so that pgboot holds it too while it
	 * adopts and migrates (peers.md's cheat sheet): 1 with *key, 0 when the
	 * tool takes none, -1 with err. NULL: none.
	 */
	int (*lock_key)(struct db *db, const char *where, long long *key, struct pgb_error *err);
};

/* The table; ended by NULL. */
extern const struct history_reader *const history_readers[];
/* The reader --from names, or NULL */
const struct history_reader *history_reader_find(const char *name);

void foreign_rows_free(struct foreign_row *rows, size_t n);

/* ---- what readers share (src/adopt/readers.c) ---- */

/*
 * 1 when the tool's id names the local file mf: migfile.tool_id equals id;
 * else the version text equals id (numerically where both are digits:
 * "00001" is 1); else the file's name ("0001_x.sql") or its name without
 * ".sql" equals id (sql-migrate keeps file names, node-pg-migrate names).
 * Every exact reader's matches; adopt also asks it of every row, so that an
 * applied row stands for a file of its own (golang-migrate's single row too).
 */
int foreign_id_names(const char *id, const struct migfile *mf);
/*
 * The table `name` where search_path finds it first (to_regclass), when it
 * is a table: 1 with *where ("schema.table", malloc'd) and *columns (its
 * columns in order, "name:type,...", format_type's names: "version:bigint,
 * dirty:boolean"); 0 when there is none; -1 with err.
 */
int reader_find_table(struct db *db, const char *name, char **where, char **columns, struct pgb_error *err);
/* 1 when columns (as reader_find_table gives them) include every "name:type" (or "name": any type) of the comma-separated want */
int reader_has_columns(const char *columns, const char *want);
/* reader_find_table, then 0 unless the columns include want (reader_has_columns) */
int reader_probe_columns(struct db *db, const char *name, const char *want, char **where, struct pgb_error *err);
/* where's schema (before its first dot), malloc'd into *schema; 0 */
int reader_table_schema_is(const char *where, char **schema);
/* where ("schema.table", split at its first dot) quoted for SQL; NULL with err (70) */
char *reader_sql_name(struct db *db, const char *where, struct pgb_error *err);
/*
 * Run select (its "%s" is replaced by the quoted where), whose columns are
 * id, hash, applied_at (text, UTC), unclean (text), any NULL, and give
 * its rows as foreign rows. 0 or -1.
 */
int reader_select(struct db *db, const char *where, const char *select, struct foreign_row **rows, size_t *n,
		  struct pgb_error *err);
/* SQL that turns the timestamptz expression e into applied_at's text, for a reader's SELECT */
#define READER_UTC(e) "pg_catalog.to_char((" e ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#endif
