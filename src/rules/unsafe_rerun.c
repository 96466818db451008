/*
 * unsafe_rerun.c: a half-applied file runs again from the start only when
 * the statements committed before are safe to run twice. The statement that
 * stopped it rolled back (a failed concurrent build leaves an INVALID
 * index, which its own error names) and the later ones never ran.
 */
#include "rules.h"
#include "stmt.h"

/* the first committed statement that is not safe to run again, or NULL */
static const struct sql_stmt *culprit(const struct rule_unit *u)
{
	if (u->flags & RULE_IDEMPOTENT)
		return NULL;
	size_t done = 0; /* SQL statements seen: skipped meta-command lines were never sent */
	for (size_t i = 0; i < u->script->n && done < (size_t)u->rerun_done; i++) {
		const struct sql_stmt *st = &u->script->stmts[i];
		if (st->kind != SQL_STMT_SQL)
			continue;
		done++;
		if (stmt_txn(u->text, st) == STMT_TXN_NONE && !stmt_is_idempotent(u->text, st))
			return st;
	}
	return NULL;
}

static int check(const struct rule_unit *u, struct pgb_error *err)
{
	const struct sql_stmt *st = u->rerun_done > 0 ? culprit(u) : NULL;
	if (!st)
		return 0;
	pgb_fail(err, PGB_EXIT_DRIFT, "%s \"%s\" was left half applied: its first %d statements are committed", u->kind,
		 u->path, u->rerun_done);
	pgb_error_locus(err, u->path, st->line, st->column);
	pgb_error_detail(err, "This statement is not safe to run twice, so pgboot will not run the file again.");
	pgb_error_hint(err, "Finish or undo the file's work by hand, then make every statement safe to re-run "
			    "(IF NOT EXISTS, IF EXISTS, CREATE OR REPLACE) or add the line \"-- pgboot:idempotent\" at its top.");
	return -1;
}

static const struct rule_example examples[] = {
	{"CREATE TABLE a ();\nCREATE INDEX CONCURRENTLY i ON a (x);", 1, RULE_NO_TRANSACTION, 1},
	{"CREATE TABLE IF NOT EXISTS a ();\nCREATE INDEX CONCURRENTLY i ON a (x);", 0, RULE_NO_TRANSACTION, 1},
	{"CREATE TABLE a ();\nCREATE INDEX CONCURRENTLY i ON a (x);", 0, RULE_NO_TRANSACTION | RULE_IDEMPOTENT, 1},
	{"CREATE TABLE a ();\nCREATE INDEX CONCURRENTLY i ON a (x);", 0, RULE_NO_TRANSACTION, 0},
	/* pg_dump's \restrict line is skipped, not counted: the one committed statement is the CREATE TABLE */
	{"\\restrict k\nCREATE TABLE IF NOT EXISTS a ();\nCREATE INDEX CONCURRENTLY i ON a (x);\n\\unrestrict k\n", 0,
	 RULE_NO_TRANSACTION, 1},
	{"\\restrict k\nCREATE TABLE a ();\nCREATE INDEX CONCURRENTLY i ON a (x);\n\\unrestrict k\n", 1,
	 RULE_NO_TRANSACTION, 1},
	{NULL, 0, 0, 0},
};

const struct rule rule_unsafe_rerun = {
	.id = "unsafe-rerun",
	.file = check,
	.examples = examples,
};
