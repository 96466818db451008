/*
 * lintrun.h: the lint against a database and its files (lint.h is the
 * pure part): the pending files of a plan, the files a user names, and the
 * one query that sizes the tables the findings name.
 */
#ifndef PGB_LINTRUN_H
#define PGB_LINTRUN_H

#include "db.h"
#include "lint.h"
#include "migfile.h"
#include "plan.h"
#include "repeatable.h"
#include "source.h"

/* Lint the pending files of p (migrations, then seeds), in the order they would run. */
void lint_plan(struct lint_run *run, const struct plan *p);
/* Lint the repeatable migrations of rs to apply (new or changed; Flyway's R__), in their order. */
void lint_repeatables(struct lint_run *run, const struct repeatables *rs);
/* Lint every migration of set, in version order, then its repeatables (offline: the history unknown). */
void lint_migset(struct lint_run *run, const struct migset *set);
/* Read the files named (paths), each as pgboot's layout reads a file, and lint them in order: 0 or -1 (78). */
int lint_paths(struct lint_run *run, char *const *paths, int n, struct pgb_error *err);
/*
 * Online: one query on db, as the session a migration would run in, for
 * the tables the findings name (to_regclass of the name as written,
 * pg_class.reltuples, pg_total_relation_size), then lint_grade. 0 or -1.
 */
int lint_size_and_grade(struct lint_run *run, struct db *db, struct pgb_error *err);

#endif
