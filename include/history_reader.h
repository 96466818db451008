/*
 * history_reader.h: the interface a reader of another tool's history table
 * implements (Flyway's flyway_schema_history, golang-migrate's
 * schema_migrations, goose_db_version, dbmate's, sqitch's ...): find the
 * table, and give its rows as history rows (history_row.h), each version's
 * checksum mapped to pgboot's scheme or left empty when the tool has none.
 * pgboot's own table is read by history.h, which also writes it.
 *
 * Adding a reader: a file of the coming importers' folder defining a
 * `const struct history_reader`, and one line in its table.
 */
#ifndef PGB_HISTORY_READER_H
#define PGB_HISTORY_READER_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "history_row.h"

struct history_reader {
	const char *name; /* the tool: "flyway", "golang-migrate" ... */
	/* 1 when the tool's history table is in the database (one query), 0 when not, -1 with err */
	int (*probe)(struct db *db, struct pgb_error *err);
	/* Read every row: 0 with *rows (the caller frees each with history_row_free, then the array) and *n, or -1 with err */
	int (*read)(struct db *db, struct history_row **rows, size_t *n, struct pgb_error *err);
};

#endif
