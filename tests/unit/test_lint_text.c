/*
 * test_lint_text.c: the text helpers the lint rules write their fixes with
 * (lint_text.h), the fixes of constraint-not-valid, set-not-null,
 * type-change-rewrite and constraint-inline-index written out exactly, and
 * the facts a rule keeps across the files of one run (lint_remember).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lint.h"
#include "lint_text.h"

TEST(lint_text_clause_and_name_ends)
{
	const char *s = "ADD CONSTRAINT c CHECK (a IN (1, 2) AND b <> ',') NOT VALID, ADD COLUMN x int";
	size_t end = lint_clause_end(s, strlen(s), 4);
	CHECK_INT(end, strlen("ADD CONSTRAINT c CHECK (a IN (1, 2) AND b <> ',') NOT VALID"));
	/* a ')' of an enclosing list ends it too; a comment's ',' does not */
	const char *t = "(a int /* x, y */ DEFAULT 1 , b int)";
	CHECK_INT(lint_clause_end(t, strlen(t), 1), strlen("(a int /* x, y */ DEFAULT 1"));
	const char *u = "b int)";
	CHECK_INT(lint_clause_end(u, strlen(u), 0), 5);
	const char *n = "app.\"Odd \"\"Name\" ADD";
	CHECK_INT(lint_name_end(n, strlen(n), 0), strlen("app.\"Odd \"\"Name\""));
	CHECK_INT(lint_word_at(s, strlen(s), 0, "column"), strlen("ADD CONSTRAINT c CHECK (a IN (1, 2) AND b <> ',') NOT VALID, ADD "));
	CHECK(lint_word_at(s, strlen(s), 0, "in") == LINT_NO_OFFSET); /* inside parentheses: not at the top */
	CHECK_INT(lint_skip_tokens(s, strlen(s), 4, 2), strlen("ADD CONSTRAINT c"));
	char *d = lint_text_dup("  x y  ", 0, 7);
	CHECK_STR(d, "x y");
	free(d);
	const char *m = "FOREIGN KEY (a) -- why\n  REFERENCES u(id) /* c */ ON DELETE 'x\n  y';";
	d = lint_text_dup(m, 0, strlen(m) - 1);
	CHECK_STR(d, "FOREIGN KEY (a) REFERENCES u(id) ON DELETE 'x\n  y'");
	free(d);
}

TEST(lint_text_quotes_like_quote_ident)
{
	const char *cases[][2] = {
		{"orders", "orders"}, {"Orders", "\"Orders\""}, {"user", "\"user\""}, {"time", "\"time\""},
		{"a b", "\"a b\""},   {"x\"y", "\"x\"\"y\""},   {"_x1$", "\"_x1$\""}, {"id2", "id2"},
		{"1a", "\"1a\""},     {"name", "name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *q = lint_quote_ident(cases[i][0]);
		CHECK_STR(q, cases[i][1]);
		free(q);
	}
}

/* the fix of the first finding of rule for sql (one file, offline) */
static char *fix_of(const char *rule, const char *sql)
{
	struct lint_run run;
	lint_run_init(&run);
	run.offline = 1;
	struct lint_file f = {"m.sql", sql, strlen(sql), 0};
	lint_file(&run, &f);
	char *fix = NULL;
	for (size_t i = 0; i < run.n && !fix; i++)
		if (strcmp(run.findings[i].rule, rule) == 0 && run.findings[i].fix)
			fix = strdup(run.findings[i].fix);
	lint_run_free(&run);
	return fix;
}

TEST(lint_rules_a_fixes_are_the_users_statement)
{
	char *f = fix_of("constraint-not-valid",
			 "ALTER TABLE app.\"Orders\" ADD COLUMN n int, ADD CONSTRAINT \"Fk 1\" FOREIGN KEY (a, \"B\") "
			 "REFERENCES app.u (x, y) ON DELETE CASCADE;");
	CHECK_STR(f, "ALTER TABLE app.\"Orders\" ADD CONSTRAINT \"Fk 1\" FOREIGN KEY (a, \"B\") REFERENCES app.u (x, y) "
		     "ON DELETE CASCADE NOT VALID; (it still takes SHARE ROW EXCLUSIVE on app.u too, but only for a "
		     "moment) then, in a later migration: ALTER TABLE app.\"Orders\" VALIDATE CONSTRAINT \"Fk 1\"; "
		     "(VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and writes go on while it scans)");
	free(f);
	/* an unnamed CHECK gets PostgreSQL's name, so VALIDATE can name it */
	f = fix_of("constraint-not-valid", "alter table t add check (qty > 0 and \"Price\" > 0);");
	CHECK_STR(f, "ALTER TABLE t ADD CONSTRAINT t_qty_check check (qty > 0 and \"Price\" > 0) NOT VALID; then, in a "
		     "later migration: ALTER TABLE t VALIDATE CONSTRAINT t_qty_check; (VALIDATE takes SHARE UPDATE "
		     "EXCLUSIVE: reads and writes go on while it scans)");
	free(f);
	/* a new column's CHECK: the column without it, then the constraint NOT VALID */
	f = fix_of("constraint-not-valid", "ALTER TABLE t ADD COLUMN q int NOT NULL DEFAULT 1 CHECK (q > 0);");
	CHECK_STR(f, "ALTER TABLE t ADD COLUMN q int NOT NULL DEFAULT 1; ALTER TABLE t ADD CONSTRAINT t_q_check CHECK "
		     "(q > 0) NOT VALID; then, in a later migration: ALTER TABLE t VALIDATE CONSTRAINT t_q_check; "
		     "(VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and writes go on while it scans)");
	free(f);
	f = fix_of("set-not-null", "ALTER TABLE \"Users\" ALTER \"E-mail\" SET NOT NULL;");
	CHECK_STR(f, "ALTER TABLE \"Users\" ADD CONSTRAINT \"Users_E-mail_not_null\" CHECK (\"E-mail\" IS NOT NULL) NOT "
		     "VALID; then, in a later migration: ALTER TABLE \"Users\" VALIDATE CONSTRAINT "
		     "\"Users_E-mail_not_null\"; then, in a later one: ALTER TABLE \"Users\" ALTER COLUMN \"E-mail\" SET "
		     "NOT NULL; ALTER TABLE \"Users\" DROP CONSTRAINT \"Users_E-mail_not_null\"; (the validation scans "
		     "under SHARE UPDATE EXCLUSIVE, which blocks no reads or writes, and PostgreSQL 12+ then sets NOT "
		     "NULL without a scan)");
	free(f);
	f = fix_of("constraint-inline-index", "ALTER TABLE t ADD CONSTRAINT t_ab UNIQUE (a, \"B\") DEFERRABLE;");
	CHECK_STR(f, "CREATE UNIQUE INDEX CONCURRENTLY t_ab ON t (a, \"B\"); in a file of its own with -- "
		     "pgboot:no-transaction, then ALTER TABLE t ADD CONSTRAINT t_ab UNIQUE USING INDEX t_ab DEFERRABLE;");
	free(f);
	f = fix_of("constraint-inline-index", "ALTER TABLE app.b ADD CONSTRAINT no_overlap EXCLUDE USING gist "
					      "(room WITH =, during WITH &&);");
	CHECK_CONTAINS(f, "there is no online way: an EXCLUDE constraint always builds its own index inside the ALTER "
			  "TABLE (PostgreSQL has no ADD CONSTRAINT ... EXCLUDE USING INDEX, and CREATE INDEX CONCURRENTLY "
			  "beforehand does not help).");
	CHECK_CONTAINS(f, "SET lock_timeout = '5s'; ALTER TABLE app.b ADD CONSTRAINT no_overlap EXCLUDE USING gist "
			  "(room WITH =, during WITH &&); (retried until it gets the lock;");
	CHECK_CONTAINS(f, "CREATE TABLE <new> (LIKE app.b INCLUDING ALL, CONSTRAINT no_overlap EXCLUDE USING gist "
			  "(room WITH =, during WITH &&)); copy the rows in batches");
	free(f);
	f = fix_of("type-change-rewrite", "CREATE TABLE t (a numeric(10,2));\nALTER TABLE t ALTER a TYPE numeric(10,3);");
	CHECK_STR(f, "ALTER TABLE t ADD COLUMN a_new numeric(10,3); then fill it in batches in a -- pgboot:no-transaction "
		     "file (UPDATE t SET a_new = a::numeric(10,3) WHERE <a range of keys>), keep it in step with a "
		     "trigger, and swap in a later migration: ALTER TABLE t RENAME COLUMN a TO a_old; ALTER TABLE t "
		     "RENAME COLUMN a_new TO a;");
	free(f);
}

/* an expression's node starts at its operator or "::", not its text: the fixes take it from the words around it */
TEST(lint_fixes_take_expressions_from_the_text)
{
	char *f = fix_of("type-change-rewrite", "ALTER TABLE t ALTER c TYPE int USING c::int;");
	CHECK_CONTAINS(f, "ALTER TABLE t ADD COLUMN c_new int; then fill it in batches in a -- pgboot:no-transaction "
			  "file (UPDATE t SET c_new = c::int WHERE <a range of keys>)");
	free(f);
	f = fix_of("type-change-rewrite", "CREATE TABLE t (a varchar(10), b int);\n"
					  "ALTER TABLE t ALTER a TYPE varchar(20) COLLATE \"C\" USING a || 'x, y', "
					  "ALTER b TYPE bigint USING (b)::bigint * 2;");
	CHECK_CONTAINS(f, "ALTER TABLE t ADD COLUMN a_new varchar(20); then fill it in batches in a -- "
			  "pgboot:no-transaction file (UPDATE t SET a_new = a || 'x, y' WHERE <a range of keys>)");
	free(f);
	f = fix_of("add-column-volatile-default",
		   "ALTER TABLE t ADD COLUMN d timestamptz CONSTRAINT d_def DEFAULT clock_timestamp() NOT NULL;");
	CHECK_STR(f, "ALTER TABLE t ADD COLUMN d timestamptz; ALTER TABLE t ALTER COLUMN d SET DEFAULT clock_timestamp(); "
		     "then fill the existing rows in batches in a -- pgboot:no-transaction file (UPDATE t SET d = "
		     "clock_timestamp() WHERE d IS NULL AND <a range of keys>); then make it NOT NULL without a long lock "
		     "(see set-not-null)");
	free(f);
}

static size_t count(const struct lint_run *run, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < run->n; i++)
		n += strcmp(run->findings[i].rule, rule) == 0;
	return n;
}

TEST(lint_remember_keeps_facts_across_the_runs_files)
{
	struct lint_run run;
	lint_run_init(&run);
	run.offline = 1;
	const char *files[] = {
		"CREATE TABLE t (a varchar(10), b int);\n"
		"ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;",
		"ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;",
		/* the CHECK validated one file earlier: no scan; the type known from the first file */
		"ALTER TABLE users ALTER email SET NOT NULL;\nALTER TABLE t ALTER a TYPE varchar(20);",
		"ALTER TABLE users DROP CONSTRAINT users_email_nn;\nALTER TABLE users ALTER email DROP NOT NULL;\n"
		"ALTER TABLE users ALTER email SET NOT NULL;\nALTER TABLE t ALTER b TYPE bigint;",
	};
	size_t after[][2] = {{0, 0}, {0, 0}, {0, 0}, {1, 1}};
	for (size_t i = 0; i < 4; i++) {
		struct lint_file f = {"m.sql", files[i], strlen(files[i]), 0};
		lint_file(&run, &f);
		CHECK_INT(count(&run, "set-not-null"), after[i][0]);
		CHECK_INT(count(&run, "type-change-rewrite"), after[i][1]);
	}
	lint_run_free(&run);
	/* a new run knows nothing of the last one's facts */
	lint_run_init(&run);
	struct lint_file f = {"m.sql", files[2], strlen(files[2]), 0};
	lint_file(&run, &f);
	CHECK_INT(count(&run, "set-not-null"), 1);
	CHECK_INT(count(&run, "type-change-rewrite"), 1);
	lint_run_free(&run);
}
