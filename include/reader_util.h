/*
 * reader_util.h: what the history readers of src/adopt/ (history_reader.h)
 * share: finding a tool's table by name and columns, running a reader's
 * SELECT over it, collecting foreign rows, matching a row's version to a
 * file, and SHA-256 as the tools print it. Server side (db.h); errors
 * are values (error.h), PGB_EXIT_INTERNAL unless said otherwise.
 */
#ifndef PGB_READER_UTIL_H
#define PGB_READER_UTIL_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "history_reader.h"
#include "migfile.h"

/*
 * A timestamp column (timestamp, timestamptz) as foreign_row.applied_at
 * wants it: "2026-11-29T09:22:28Z". A timestamp without time zone is read
 * in the session's TimeZone, as the tool wrote it with now().
 */
#define READER_UTC(col)                                                                                         \
	"pg_catalog.to_char((" col ")::pg_catalog.timestamptz AT TIME ZONE 'UTC', "                             \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * Find table name, in schema (NULL: as the search_path finds it, the
 * tool's default schema), having every column of cols (ended by NULL).
 * 1 with *where (malloc'd) its qualified name as the server quotes it
 * ("public.flyway_schema_history"), usable both in SQL and in messages;
 * 0 when there is no such table or it lacks a column; -1 with err.
 */
int reader_find_table(struct db *db, const char *schema, const char *name, const char *const *cols, char **where,
		      struct pgb_error *err);
/* The schema and table names of where, unquoted (malloc'd): 0, or -1 with err. */
int reader_table_names(struct db *db, const char *where, char **schema, char **table, struct pgb_error *err);
/* Run fmt (a SELECT with one %s, the table) over where into res: 0, or -1 with err. */
int reader_select(struct db *db, const char *fmt, const char *where, struct db_result *res, struct pgb_error *err);

/* A growing array of foreign rows. */
struct reader_rows {
	struct foreign_row *v;
	size_t n, cap;
};
/* Append a row (each string copied; NULL stays NULL) and return it. */
struct foreign_row *reader_add(struct reader_rows *rows, const char *id, const char *hash, const char *applied_at,
			       const char *unclean);
/* Remove row i, keeping the order. */
void reader_remove(struct reader_rows *rows, size_t i);
/* Hand the rows over as read() does (*out, *n), leaving rows empty: 0. */
int reader_done(struct reader_rows *rows, struct foreign_row **out, size_t *n);

/*
 * 1 when a tool's version text id names mf: equal to mf's tool_id when it
 * has one, else to its version text, else equal as versions (digit groups
 * compared as numbers: "1.01" is "1.1", "0023" is "23").
 */
int reader_version_matches(const char *id, const struct migfile *mf);
/* SHA-256 of len bytes as lowercase hex; out holds 65 bytes */
void reader_sha256_hex(const void *data, size_t len, char out[65]);

#endif
