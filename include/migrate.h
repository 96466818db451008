/*
 * migrate.h: apply the pending migrations, then the pending seeds, of a
 * plan. Each transactional file is one transaction holding its SQL and its
 * history row, sent as one simple-query message: one round trip. A lock
 * timeout (SQLSTATE 55P03) is retried with backoff; any other error rolls the
 * file back, stops, and is reported with file:line:column (exit 3).
 */
#ifndef PGB_MIGRATE_H
#define PGB_MIGRATE_H

#include "config.h"
#include "db.h"
#include "error.h"
#include "history.h"
#include "plan.h"

/*
 * Check every pending file before anything is applied: psql meta-commands,
 * transaction control and directives pgboot cannot honour are refused with
 * file:line (78). Returns 0 or -1.
 */
int migrate_preflight(const struct plan *p, struct pgb_error *err);
/* Apply the plan's pending items in order. Returns 0, or -1 with err (3, 69, 128+N ...). */
int migrate_apply(struct db *db, const struct pgb_config *cfg, const struct history *h, const struct plan *p,
		  struct pgb_error *err);

#endif
