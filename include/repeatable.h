/*
 * repeatable.h: a layout's repeatable migrations (Flyway's R__ files,
 * source.h's migset repeatables): applied after every versioned migration,
 * in their set's order, when never applied or changed since. They are
 * recorded beside the history, in "<history table>_repeatables" in the
 * history's schema, never in the history itself: an older pgboot, which
 * knows only the kinds migration and seed, reads that history as before.
 *
 *   name text PRIMARY KEY (the description, as Flyway gives it),
 *   checksum text (migfile.h's SHA-256), applied_at timestamptz,
 *   duration_ms integer, applied_by text
 *
 * The table is read only when the set has repeatables, so that an
 * up-to-date start without any sends no query more.
 */
#ifndef PGB_REPEATABLE_H
#define PGB_REPEATABLE_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "history.h"
#include "source.h"

enum rep_state {
	REP_APPLIED, /* in the table with the file's checksum */
	REP_PENDING, /* never applied */
	REP_CHANGED  /* applied, and the file changed since: applies again */
};

struct rep_item {
	const struct migfile *file;
	enum rep_state state;
	char *applied_at; /* UTC text, or NULL */
	long long duration_ms;
};

struct repeatables {
	struct rep_item *items; /* in the set's order */
	size_t n;
	int exists; /* the table was there */
};

/*
 * Read the table beside h (set's repeatables: nothing is sent when it has
 * none) and classify each file. A table not there yet leaves every file
 * pending. Returns 0 or -1 (70 when a name cannot be quoted).
 */
int repeatables_read(struct repeatables *rs, const struct migset *set, const struct history *h, struct db *db,
		     struct pgb_error *err);
void repeatables_free(struct repeatables *rs);
/* how many are to apply (pending or changed) */
size_t repeatables_pending(const struct repeatables *rs);
/* CREATE TABLE IF NOT EXISTS beside h: in its own transaction unless in_transaction. Returns 0 or -1. */
int repeatables_create(const struct history *h, struct db *db, int in_transaction, struct pgb_error *err);
/*
 * The upsert of mf's row (INSERT ... ON CONFLICT (name) DO UPDATE); ms < 0:
 * the duration from the transaction's start. NULL with err (70) when a value
 * cannot be quoted. The caller frees.
 */
char *repeatable_record_sql(const struct history *h, struct db *db, const struct migfile *mf, long long ms,
			    struct pgb_error *err);
/*
 * What a reset (every migration rolled back) appends to the history's:
 * ";\nDELETE FROM <the table>" when it exists (what the repeatables built
 * went with the versions they stand on: they apply again), or with drop
 * ";\nDROP TABLE IF EXISTS <the table>"; "" otherwise. The caller frees.
 */
char *repeatables_reset_sql(const struct history *h, struct db *db, int exists, int drop);

#endif
