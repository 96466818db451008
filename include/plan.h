/*
 * plan.h: compare the files with the history: what is applied, pending,
 * changed, missing or out of order. Pure: no I/O. The plan borrows the
 * files and history rows it points to.
 */
#ifndef PGB_PLAN_H
#define PGB_PLAN_H

#include <stddef.h>

#include "history.h"
#include "source.h"

enum item_state {
	ITEM_APPLIED,      /* in the history with the same checksum */
	ITEM_PENDING,      /* a file not yet applied (a seed: or changed since) */
	ITEM_CHANGED,      /* an applied migration whose file's checksum differs */
	ITEM_MISSING,      /* in the history, no file */
	ITEM_OUT_OF_ORDER, /* pending, but older than the newest applied migration */
	ITEM_PARTIAL,      /* a non-atomic file that stopped half-way: to re-run if it is safe (migrate.c decides) */
	ITEM_FUTURE        /* a migration in the history, no file, newer than every file: a newer release's */
};
#define ITEM_NSTATES (ITEM_FUTURE + 1)

/* plan_build's flags */
enum plan_flags {
	PLAN_ALLOW_OUT_OF_ORDER = 1 << 0, /* out-of-order files are pending, not drift */
	PLAN_STRICT = 1 << 1              /* future migrations are drift */
};

struct plan_item {
	enum mig_kind kind;
	enum item_state state;
	const struct migfile *file;    /* NULL when missing */
	const struct history_row *row; /* NULL when never applied */
};

/* The items are classified once, by plan_build; what they add up to is counted on demand. */
struct plan {
	struct plan_item *items; /* migrations by version, then seeds by version */
	size_t n;
	int allow_out_of_order;  /* PLAN_ALLOW_OUT_OF_ORDER */
	int strict;              /* PLAN_STRICT */
};

/*
 * Build the plan. seeds may be NULL (seeds not asked for). A changed seed is
 * pending, not drift; a missing seed file is reported but is not drift.
 * With PLAN_ALLOW_OUT_OF_ORDER, out-of-order files are pending, not drift. A
 * partial row is pending whatever its checksum (it never finished), unless
 * its file is missing (drift). A migration row without a file whose version
 * is newer than the newest migration file is future (an older release beside
 * or after a newer one): not drift unless PLAN_STRICT; when there is no
 * migration file at all, such a row is missing. Sorts h's rows by kind and
 * version.
 */
void plan_build(struct plan *p, const struct migset *migs, const struct migset *seeds, struct history *h,
		unsigned flags);
void plan_free(struct plan *p);
/*
 * When the plan has drift, fill err (exit 5) naming every offending file (and future version), and return -1;
 * so too for a migration being rolled back (plan_item_is_rolling_back): migrate and run refuse it.
 */
int plan_check_drift(const struct plan *p, const struct history *h, struct pgb_error *err);
/* The drift of files and history alone (a rollback --to-files, which finishes a half-done rollback too). */
int plan_check_files(const struct plan *p, const struct history *h, struct pgb_error *err);
/* 1 when this item is a migration whose no-transaction down part stopped half-way (history.h) */
int plan_item_is_rolling_back(const struct plan_item *it);
/* "0004 (\"add_x\"), 0005 (\"add_y\")": the future versions, for a warning (the first few, then "and N more"); the caller frees. */
char *plan_future_list(const struct plan *p);
/* "applied", "pending", ... */
const char *plan_state_name(enum item_state s);
/* 1 when this item is to be applied now (out-of-order files too when allowed) */
int plan_item_is_pending(const struct plan *p, const struct plan_item *it);
/* 1 when this item is drift: a changed or missing migration, an out-of-order one when not allowed, a future one when strict */
int plan_item_is_drift(const struct plan *p, const struct plan_item *it);
/* How many items are pending (of kind, or of both kinds when kind is -1), drift, or future migrations. */
size_t plan_pending(const struct plan *p, int kind);
size_t plan_drift(const struct plan *p);
size_t plan_future(const struct plan *p);

#endif
