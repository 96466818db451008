/* releases_lock.c: nothing may release the migration lock while the run goes on. */
#include "rules.h"
#include "stmt.h"

static const char *const what[] = {NULL, "DISCARD ALL", "pg_advisory_unlock_all()",
				   "an advisory unlock that may release pgboot's lock"};

static int check(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit)
{
	enum stmt_unlock k = stmt_unlocks(u->text, st, u->lock_key, &hit->at);
	if (k == STMT_UNLOCK_NONE)
		return 0;
	hit->what = what[k];
	if (k == STMT_UNLOCK_DISCARD)
		hit->hint = "It releases every advisory lock, pgboot's migration lock among them; DISCARD TEMP, PLANS "
			    "and SEQUENCES are fine.";
	return 1;
}

static const struct rule_example examples[] = {
	{"DISCARD ALL;", 1, 0, 0},
	{"SELECT pg_advisory_unlock_all();", 1, 0, 0},
	{"SELECT pg_advisory_unlock(id) FROM jobs;", 1, 0, 0},
	{"DISCARD TEMP;", 0, 0, 0},
	{"SELECT pg_advisory_unlock(1, 2);", 0, 0, 0},
	{"SELECT 'pg_advisory_unlock_all()'; -- DISCARD ALL", 0, 0, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_releases_lock = {
	.id = "releases-lock",
	.statement = check,
	.hint = "pgboot's migration lock is a session advisory lock: this would release it while the run goes on. "
		"Unlock only your own locks: pg_advisory_unlock(int, int), or a literal bigint key.",
	.examples = examples,
};
