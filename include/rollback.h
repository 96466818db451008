/*
 * rollback.h: undo applied migrations with their down parts. Which ones
 * (the newest N, those newer than a version, all, or those this image has
 * no file for), newest first; each down part checked by the rules and
 * given a mode before anything runs, then handed to the executor
 * (apply.h) with the history effect of going down: the deletion of the
 * migration's row, in the down part's own transaction.
 *
 * The down SQL is the one the history stored when the migration was
 * applied; a file whose down part differs is warned of (use_file_down: the
 * file's is run). A down part runs atomically, or statement by statement
 * when its leading block says "-- pgboot:no-transaction" (stored with it):
 * then its progress is recorded in its row (history.h: -2 - k) and the row
 * deleted after its last statement; a re-run starts it again from the
 * start when the statements committed before are safe to run twice (the
 * rules' unsafe-rerun, 5). Transaction control in a down part's middle is
 * refused before anything runs.
 */
#ifndef PGB_ROLLBACK_H
#define PGB_ROLLBACK_H

#include <stdio.h>

#include "apply.h"
#include "db.h"
#include "error.h"
#include "history.h"
#include "plan.h"

/* What to roll back: at most one of steps, to, all, to_files (none: the newest one). */
struct rollback_opts {
	int steps;       /* the N newest applied migrations; 0: not given */
	const char *to;  /* every applied migration newer than this version */
	int all;         /* every applied migration */
	int to_files;    /* every applied migration without a file here */
	int use_file_down;
};

struct rollback_job; /* one migration to roll back and the down part it runs */

struct rollback_jobs {
	struct rollback_job *jobs; /* newest first */
	size_t n;
};

/*
 * Choose the applied migrations of p to roll back, newest first, and the
 * down part each runs (a changed one warned of). Returns 0, or -1 with err:
 * 78 for an unknown --to version, or a migration that stopped half-way.
 * Free with rollback_jobs_free.
 */
int rollback_select(const struct plan *p, const struct rollback_opts *o, struct rollback_jobs *jobs,
		    struct pgb_error *err);
void rollback_jobs_free(struct rollback_jobs *jobs);
/*
 * Seeds after a rollback: a seed's row is deleted in the transaction of the
 * first down part (newest first) of a migration applied at or before the
 * seed was (applied_at, as h read it with read_applied_at and read_down):
 * its data may be in that migration's tables, so the next --with-test-data
 * run applies it again. A seed applied before every chosen migration stays:
 * the down parts put the schema back as it was when it ran.
 */
void rollback_claim_seeds(struct rollback_jobs *jobs, const struct history *h);
/* Show what would be rolled back (the plan without --confirm) on out. */
void rollback_print(FILE *out, const struct rollback_jobs *jobs, const char *database, const char *history);
/* 78 naming every chosen migration that has no down part; 0 when each has one. */
int rollback_check_downs(const struct rollback_jobs *jobs, struct pgb_error *err);
/*
 * Split each down part as the server will read it (scs as migrate.h says),
 * choose its mode and ask the rules (key: the migration lock's). Returns 0,
 * or -1 with err (78, naming the down part's line).
 */
int rollback_preflight(const struct apply_opts *o, long long key, int scs, struct rollback_jobs *jobs,
		       struct pgb_error *err);
/*
 * Run the down parts in order, each with the deletion of its history row.
 * Returns 0, or -1 with err (3 with "FILE (down)":line:column, 69, 75,
 * 128+N): the ones before it stay rolled back.
 */
int rollback_apply(struct db *db, const struct apply_opts *o, const struct history *h,
		   const struct rollback_jobs *jobs, struct pgb_error *err);
/* --lock-mode transaction: COMMIT the run's transaction and log what it rolled back. */
int rollback_commit(struct db *db, const struct rollback_jobs *jobs, struct pgb_error *err);

#endif
