/*
 * baseline.h: pgboot baseline's choice (a database that scripts built, its
 * history empty or behind): which migration files up to a version to record
 * as applied without running them, which are in the history already (left
 * as they are), the plan it shows, and the plan the checks of --verify-first
 * are judged by. Pure: no I/O but printing the plan.
 */
#ifndef PGB_BASELINE_H
#define PGB_BASELINE_H

#include <stdio.h>

#include "plan.h"

struct baseline {
	const struct migfile *target;  /* the file of --version */
	const struct migfile **record; /* the files up to target without a history row, by version */
	size_t n;
	const struct plan_item **kept; /* the migrations up to target with a history row (borrowed from the plan) */
	size_t nkept;
};

/* The file whose version is version ("3" finds 0003): 0, or -1 with err (78) naming it and dir. */
int baseline_target(const struct migset *migs, const char *version, const char *dir, const struct migfile **out,
		    struct pgb_error *err);
/* Choose from p (rebuilt: choose again) the files up to b->target, which the caller set. */
void baseline_select(struct baseline *b, const struct plan *p);
void baseline_free(struct baseline *b);
/* What it would record, and what stays as it is. */
void baseline_print(FILE *out, const struct baseline *b, const char *dbname, const struct history *h);

/* The plan as the history would be once b is recorded: h's rows, one finished row per file to record. */
struct baseline_plan {
	struct plan plan;
	struct history hist; /* rows: h's, copied shallowly, then the new ones; nothing else is set */
};
void baseline_plan_build(struct baseline_plan *bp, const struct baseline *b, const struct migset *migs,
			 const struct history *h);
void baseline_plan_free(struct baseline_plan *bp);

#endif
