/*
 * access_exclusive_multiple_tables.c: a transaction that takes ACCESS
 * EXCLUSIVE on two or more existing tables holds the first while it waits
 * for the next; a session of the application that holds the second (any
 * lock: a read is enough) and then asks for the first deadlocks with it,
 * and every query on both tables queues behind the wait meanwhile.
 *
 * The transaction is the whole file, or in a no-transaction file each
 * statement (or an explicit BEGIN ... COMMIT block); VACUUM FULL takes its
 * tables one transaction each. Reported once per
 * transaction, at the statement that takes the second table, naming both.
 * Tables created by the run are left out (nobody else uses them yet), and
 * so are indexes (only the database knows their table).
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_locks.h"
#include "strbuf.h"
#include "xmem.h"

struct state {
	char *first;   /* the first table taken ACCESS EXCLUSIVE in the transaction, or NULL */
	char *first_q; /* its name quoted for SQL */
	int reported;  /* this transaction has its finding */
	int in_block;  /* a no-transaction file inside BEGIN ... COMMIT */
};

static void reset(struct state *st)
{
	free(st->first);
	free(st->first_q);
	st->first = st->first_q = NULL;
	st->reported = 0;
}

static struct state *state_of(struct lint_ctx *cx)
{
	void **p = lint_file_state(cx);
	if (!*p)
		*p = xcalloc(1, sizeof(struct state));
	return *p;
}

/* BEGIN and START TRANSACTION open a transaction; COMMIT, ROLLBACK and their kin end one. */
static int transaction_stmt(struct state *st, const char *type, const struct json_value *node)
{
	const char *kind = lint_str(node, "kind");
	if (strcmp(type, "TransactionStmt") != 0 || !kind)
		return 0;
	if (strcmp(kind, "TRANS_STMT_BEGIN") == 0 || strcmp(kind, "TRANS_STMT_START") == 0) {
		reset(st);
		st->in_block = 1;
	} else if (strcmp(kind, "TRANS_STMT_COMMIT") == 0 || strcmp(kind, "TRANS_STMT_ROLLBACK") == 0 ||
		   strcmp(kind, "TRANS_STMT_PREPARE") == 0) {
		reset(st);
		st->in_block = 0;
	}
	return 1;
}

static void take(struct lint_ctx *cx, struct state *st, const struct lint_lock *lk, const char *type)
{
	if (lk->mode != LINT_LOCK_ACCESS_EXCLUSIVE || lk->kind != LINT_REL_TABLE || lint_created_here(cx, lk->name))
		return;
	if (!st->first) {
		st->first = xstrdup(lk->name);
		st->first_q = xstrdup(lk->quoted);
		return;
	}
	if (st->reported || strcmp(st->first, lk->name) == 0)
		return;
	st->reported = 1;
	struct strbuf this, first;
	strbuf_init(&this);
	strbuf_init(&first);
	lint_add_name_shown(&this, lk->name);
	lint_add_name_shown(&first, st->first);
	lint_report(cx, lk->at, lk->name, "ACCESS EXCLUSIVE",
		    "hold one ACCESS EXCLUSIVE lock per transaction: move this %s on %s into a migration of its "
		    "own (a later file, or a BEGIN ... COMMIT of its own in a no-transaction file), apart from the "
		    "one on %s; if both must change together, SET lock_timeout = '5s'; and take both at the "
		    "start of the transaction in the order the application uses them: LOCK TABLE %s, %s IN ACCESS "
		    "EXCLUSIVE MODE;",
		    type, this.buf, first.buf, st->first_q, lk->quoted);
	strbuf_free(&this);
	strbuf_free(&first);
}

static const char *statement_word(const char *type)
{
	static const char *const words[][2] = {
		{"AlterTableStmt", "ALTER TABLE"}, {"DropStmt", "DROP"},         {"TruncateStmt", "TRUNCATE"},
		{"LockStmt", "LOCK TABLE"},        {"ClusterStmt", "CLUSTER"},
		{"RenameStmt", "ALTER TABLE"},     {"RefreshMatViewStmt", "REFRESH MATERIALIZED VIEW"},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(type, words[i][0]) == 0)
			return words[i][1];
	return "statement";
}

static void check(struct lint_ctx *cx, const char *type, const struct json_value *node)
{
	struct state *st = state_of(cx);
	struct lint_locks l;
	/* VACUUM takes its tables one transaction each, and never inside a transaction block */
	if (transaction_stmt(st, type, node) || strcmp(type, "VacuumStmt") == 0)
		return;
	lint_locks_of(type, node, &l);
	for (size_t i = 0; i < l.n; i++)
		take(cx, st, &l.items[i], statement_word(type));
	lint_locks_free(&l);
	if (lint_no_transaction(cx) && !st->in_block)
		reset(st);
}

static void file_end(struct lint_ctx *cx)
{
	void **p = lint_file_state(cx);
	if (*p)
		reset(*p);
	free(*p);
	*p = NULL;
}

static const struct lint_example examples[] = {
	{"ALTER TABLE users ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN b int;", 1, 0},
	{"ALTER TABLE app.\"Users\" ALTER COLUMN a TYPE bigint;\nCREATE INDEX i ON x (y);\nLOCK orders;\n"
	 "TRUNCATE invoices;",
	 1, 0},
	{"DROP TABLE a, b;", 1, 0},
	{"TRUNCATE a, b;", 1, 1},
	{"ALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;", 0, 0},
	{"ALTER TABLE users ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN b int;", 0, 1},
	{"BEGIN;\nALTER TABLE users ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN b int;\nCOMMIT;\n"
	 "ALTER TABLE invoices ADD COLUMN c int;",
	 1, 1},
	{"CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;", 0, 0},
	{"ALTER TABLE users ADD COLUMN a int;\nCREATE INDEX i ON orders (b);\nALTER TABLE orders VALIDATE CONSTRAINT c;\n"
	 "ALTER TABLE orders ADD FOREIGN KEY (u) REFERENCES users NOT VALID;",
	 0, 0},
	{"DROP INDEX users_a_idx;\nALTER TABLE orders ADD COLUMN b int;", 0, 0},
	{"VACUUM FULL users, orders;", 0, 1},
	{NULL, 0, 0},
};

const struct lint_rule lint_rule_access_exclusive_multiple_tables = {
	.id = "access-exclusive-multiple-tables",
	.reason = "holds one table ACCESS EXCLUSIVE while waiting for the next: a deadlock with the application, "
		  "and every query on both waits",
	.scale = LINT_IF_EXISTS,
	.large = LINT_WARNING,
	.check = check,
	.file_end = file_end,
	.examples = examples,
};
