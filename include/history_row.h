/*
 * history_row.h: the history model: one row of a history, whoever wrote it
 * (pgboot's own table, history.h, or a foreign tool's, history_reader.h),
 * and the names of its kinds. Pure: no I/O.
 */
#ifndef PGB_HISTORY_ROW_H
#define PGB_HISTORY_ROW_H

#include "migfile.h"
#include "version.h"

struct history_row {
	enum mig_kind kind;
	struct pgb_version version;
	char *name;
	char *checksum;
	char *applied_at; /* "2026-11-29T09:22:28Z"; "" unless the history was read with read_applied_at;
			     "2026-11-29T09:22:28.123456Z" when read with read_down too (a rollback orders by it) */
	long long duration_ms;
	char *applied_by;
	int progress; /* -1 when finished (or rolling back); else statements committed of a non-atomic file */
	int rolling_back; /* a no-transaction down part stopped half-way (the column holds -2 - down_done) */
	int down_done;    /* rolling_back: the statements of its down part committed */
	int has_down;   /* the row stores a down part (down_sql is not NULL) */
	char *down_sql; /* the stored down part; NULL unless read with read_down (or none stored) */
	char *locks;    /* the lock record (lockrec.h): read for reports only; NULL when none was recorded */
};

/* "migration" or "seed": the kind column's text, and the word in messages. */
const char *history_kind_name(enum mig_kind kind);
/* The kind a text names: 0 with *kind set, or -1 for any other text (NULL too). */
int history_kind_parse(const char *text, enum mig_kind *kind);
/* applied_by of a row that pgboot baseline recorded without running its file: "baselined by pgboot ..." */
#define HISTORY_BASELINED_BY "baselined by "
/* 1 when pgboot baseline recorded the row (its applied_by says so) */
int history_row_baselined(const struct history_row *row);
/* Free what the row owns (the row itself is the caller's). */
void history_row_free(struct history_row *row);

#endif
