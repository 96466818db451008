/*
 * reader_util.h: more of what the history readers of src/adopt/ share,
 * beside history_reader.h's reader_find_table and reader_select: a
 * table's schema and name, building foreign rows one by one (readers
 * that read more than one row per row, Flyway's undo and sqitch's events),
 * matching a version as versions compare, SHA-256 as the tools print it.
 * Server side (db.h); errors are values (error.h).
 */
#ifndef PGB_READER_UTIL_H
#define PGB_READER_UTIL_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "history_reader.h"
#include "migfile.h"

/*
 * reader_find_table of name ("flyway_schema_history", or qualified
 * "drizzle.__drizzle_migrations"), kept only when its columns include every
 * "name:type" of want (reader_has_columns): 1 with *where, 0, or -1 with err.
 */
int reader_probe(struct db *db, const char *name, const char *want, char **where, struct pgb_error *err);
/* where ("schema.table", as reader_find_table gives it) split at its first dot (both malloc'd) */
void reader_split_where(const char *where, char **schema, char **table);
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
/* a reader's matches when the row's id is a file's tool id, version or name: foreign_id_names(row->id, mf) */
int reader_matches_id(const struct foreign_row *row, const struct migfile *mf);
/* Define fn, a reader's lock_key (history_reader.h) that always gives the tool's fixed advisory lock key. */
#define READER_FIXED_LOCK_KEY(fn, fixed)                                                        \
	static int fn(struct db *db, const char *where, long long *key, struct pgb_error *err) \
	{                                                                                      \
		(void)db;                                                                      \
		(void)where;                                                                   \
		(void)err;                                                                     \
		*key = (fixed);                                                                \
		return 1;                                                                      \
	}
/* SHA-256 of len bytes as lowercase hex; out holds 65 bytes */
void reader_sha256_hex(const void *data, size_t len, char out[65]);

#endif
