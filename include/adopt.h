/*
 * adopt.h: taking over another tool's history (`pgboot adopt`, and `--adopt`
 * on run and migrate). The steps, each a function, that lifecycle.c runs
 * under pgboot's migration lock:
 *
 *   adopt_find      probe every reader (history_reader.h), or the one --from
 *                   names: exactly one table (two: 78 naming both; none: 0)
 *   adopt_match     read its rows; refuse (5, changing nothing) a row that
 *                   is not clean or has no local file; match each local file
 *                   to the row that stands for it; warn of each file whose
 *                   content differs from the tool's hash of what was applied
 *   adopt_lock      take the tool's advisory lock key too, on the same
 *                   session, within --lock-timeout (75)
 *   adopt_record    every matched file's row in pgboot's history, in one
 *                   transaction: kind migration, pgboot's checksum of the
 *                   file, applied_at from their table (now() when it keeps
 *                   none), applied_by "adopted from TOOL (pgboot V on HOST)",
 *                   the down part as migrate stores it, duration 0
 *
 * The tool's table is only read, never written. A tool that takes no
 * advisory lock (dbmate) is held off differently: the record transaction
 * takes its table in SHARE mode, so a dbmate inserting a row waits for the
 * adoption (and the adoption for a dbmate that already inserted one), and
 * reads the rows again under it; a dbmate that starts a migration after the
 * adoption is not excluded (README).
 */
#ifndef PGB_ADOPT_H
#define PGB_ADOPT_H

#include <stdio.h>

#include "db.h"
#include "error.h"
#include "history.h"
#include "history_reader.h"
#include "source.h"

struct adoption {
	const struct history_reader *reader;
	char *where;              /* their table, "public.schema_migrations" */
	struct foreign_row *rows; /* as read */
	size_t n;
	const struct migfile **files; /* the local files adopted, in version order */
	const struct foreign_row **row_of; /* the row each stands for */
	size_t nfiles;
	size_t changed;           /* files whose content differs from what the tool applied */
	long long key;            /* the tool's advisory lock key, when has_key */
	int has_key;
	int key_held;             /* a session lock on key is held (adopt_unlock gives it back) */
};

/*
 * Find the tool's table: every reader, or only from's (NULL: every one).
 * 1 with a->reader and a->where; 0 when none is there (from given: 78
 * naming the table not found); -1 with err (78: two candidates, naming both;
 * an unknown --from name).
 */
int adopt_find(struct db *db, const char *from, struct adoption *a, struct pgb_error *err);
/* Read and match (see above); 0, or -1 with err (5 naming each row at fault). */
int adopt_match(struct db *db, const struct migset *migs, struct adoption *a, struct pgb_error *err);
/*
 * Take the tool's lock key (none: nothing to do), polling up to timeout_ms;
 * xact: a transaction-level lock in the open transaction. 0, or -1 (75 on
 * timeout, naming the key and who holds it; 128+N on a signal).
 */
int adopt_lock(struct db *db, struct adoption *a, long long timeout_ms, int xact, struct pgb_error *err);
/* Release a session lock adopt_lock took (failures are logged: closing the session releases it too). */
void adopt_unlock(struct db *db, struct adoption *a);
/* What adopt_record would write, on out. */
void adopt_print(FILE *out, const struct adoption *a, const char *database, const struct history *h);
/*
 * The rows, in one transaction (the caller's open one when in_transaction)
 * that first takes their table in SHARE mode and matches again (adopt_match),
 * creating pgboot's history table when it is missing. 0 or -1.
 */
int adopt_record(struct db *db, struct history *h, const struct migset *migs, struct adoption *a, int in_transaction,
		 struct pgb_error *err);
void adoption_free(struct adoption *a);

#endif
