/*
 * not_atomic_in_one_transaction.c: --lock-mode transaction (a transaction
 * pooler) runs every file in one transaction, which a file that asks for
 * none, or that has transaction control in its middle, cannot join.
 */
#include "rules.h"

static int check(const struct rule_unit *u, struct pgb_error *err)
{
	if (!(u->flags & RULE_ONE_TRANSACTION) || (u->flags & RULE_ATOMIC))
		return 0;
	pgb_fail(err, PGB_EXIT_CONFIG, "%s \"%s\" cannot run in one transaction, which --lock-mode transaction needs",
		 u->kind, u->path);
	pgb_error_detail(err, "%s", u->flags & RULE_NO_TRANSACTION ? "It asks for no transaction."
								 : "It has transaction control in its middle.");
	pgb_error_hint(err, "Run pgboot with --lock-mode session on a direct connection to the server, "
			    "not through a transaction pooler.");
	return -1;
}

static const struct rule_example examples[] = {
	{"CREATE INDEX CONCURRENTLY i ON t (a);", 1, RULE_ONE_TRANSACTION | RULE_NO_TRANSACTION, 0},
	{"CREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();", 1, RULE_ONE_TRANSACTION, 0},
	{"CREATE TABLE a ();", 0, RULE_ONE_TRANSACTION | RULE_ATOMIC, 0},
	{"CREATE INDEX CONCURRENTLY i ON t (a);", 0, RULE_NO_TRANSACTION, 0},
	{NULL, 0, 0, 0},
};

const struct rule rule_not_atomic_in_one_transaction = {
	.id = "not-atomic-in-one-transaction",
	.file = check,
	.examples = examples,
};
