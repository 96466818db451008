/*
 * report.h: what status and plan print on stdout: a table for people, or
 * JSON for programs. Pure formatting over a plan.
 */
#ifndef PGB_REPORT_H
#define PGB_REPORT_H

#include <stdio.h>

#include "history.h"
#include "plan.h"

/* status: every migration and seed with its state, versions, times and checksums */
struct repeatables;
/* status: every migration and seed with its state, versions, times and checksums; then the repeatable
 * migrations (rs: NULL or none, no more lines), applied, pending or changed */
void report_status(FILE *out, const struct plan *p, const struct repeatables *rs, const struct history *h,
		   const char *dbname, int json);
/* plan / --dry-run: what migrate would apply */
void report_plan(FILE *out, const struct plan *p, const struct repeatables *rs, const struct history *h,
		 const char *dbname, int json);

#endif
