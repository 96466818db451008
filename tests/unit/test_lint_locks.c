/*
 * test_lint_locks.c: the lock model (lint_locks.h) against PostgreSQL 15's
 * documented lock levels: each statement's relations and modes, written as
 * "name=MODE,..." in the order the statement names them.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lint.h"
#include "lint_locks.h"
#include "pgq.h"
#include "strbuf.h"

/* The locks of the one statement sql holds, as "name=MODE[/index|/schema],...". */
static char *locks_of(const char *sql)
{
	struct pgq_result pr;
	struct strbuf b;
	size_t n = 0;
	strbuf_init(&b);
	CHECK_INT(pgq_parse(sql, strlen(sql), &pr), 0);
	const struct json_value *stmts = pr.tree ? pgq_stmts(&pr, &n) : NULL;
	if (stmts && n) {
		const struct json_value *st = json_member(&stmts[0], "stmt");
		const char *type = lint_node_type(st);
		struct lint_locks l;
		lint_locks_of(type, lint_node(st, type), &l);
		for (size_t i = 0; i < l.n; i++)
			strbuf_addf(&b, "%s%s=%s%s", i ? "," : "", l.items[i].name, lint_lock_name(l.items[i].mode),
				    l.items[i].kind == LINT_REL_INDEX ? "/index"
				    : l.items[i].kind == LINT_REL_SCHEMA ? "/schema"
									 : "");
		lint_locks_free(&l);
	}
	pgq_free(&pr);
	return strbuf_detach(&b);
}

static const char *const cases[][2] = {
	/* ALTER TABLE: the strongest subcommand wins */
	{"ALTER TABLE t ADD COLUMN a int", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE t ALTER a SET STATISTICS 100", "t=SHARE UPDATE EXCLUSIVE"},
	{"ALTER TABLE t VALIDATE CONSTRAINT c", "t=SHARE UPDATE EXCLUSIVE"},
	{"ALTER TABLE t CLUSTER ON i, SET WITHOUT CLUSTER", "t=SHARE UPDATE EXCLUSIVE"},
	{"ALTER TABLE t SET (fillfactor = 70, autovacuum_enabled = off)", "t=SHARE UPDATE EXCLUSIVE"},
	{"ALTER TABLE t SET (toast.autovacuum_enabled = off)", "t=SHARE UPDATE EXCLUSIVE"},
	{"ALTER TABLE t ALTER a SET (n_distinct = 10)", "t=SHARE UPDATE EXCLUSIVE"},
	{"ALTER TABLE t SET (user_catalog_table = true)", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE t VALIDATE CONSTRAINT c, ADD COLUMN a int", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE t DISABLE TRIGGER ALL", "t=SHARE ROW EXCLUSIVE"},
	{"ALTER TABLE app.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES app.\"U\" (id) NOT VALID",
	 "app.t=SHARE ROW EXCLUSIVE,app.\"U\"=SHARE ROW EXCLUSIVE"},
	{"ALTER TABLE t ADD COLUMN u int REFERENCES u", "t=ACCESS EXCLUSIVE,u=SHARE ROW EXCLUSIVE"},
	{"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE t ADD PRIMARY KEY USING INDEX i", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE t ALTER a TYPE bigint, ALTER b SET NOT NULL", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE t SET LOGGED", "t=ACCESS EXCLUSIVE"},
	{"ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1)", "p=SHARE UPDATE EXCLUSIVE,p1=ACCESS EXCLUSIVE"},
	{"ALTER TABLE p DETACH PARTITION p1", "p=ACCESS EXCLUSIVE,p1=ACCESS EXCLUSIVE"},
	{"ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "p=SHARE UPDATE EXCLUSIVE,p1=SHARE UPDATE EXCLUSIVE"},
	{"ALTER INDEX i SET TABLESPACE x", "i=ACCESS EXCLUSIVE/index"},
	/* indexes */
	{"CREATE INDEX i ON app.t (a)", "app.t=SHARE"},
	{"CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)", "t=SHARE UPDATE EXCLUSIVE"},
	{"DROP INDEX i, app.j", "i=ACCESS EXCLUSIVE/index,app.j=ACCESS EXCLUSIVE/index"},
	{"DROP INDEX CONCURRENTLY i", "i=SHARE UPDATE EXCLUSIVE/index"},
	{"REINDEX TABLE t", "t=SHARE"},
	{"REINDEX INDEX i", "i=ACCESS EXCLUSIVE/index"},
	{"REINDEX (CONCURRENTLY) TABLE t", "t=SHARE UPDATE EXCLUSIVE"},
	{"REINDEX SCHEMA s", ""},
	/* the table-wide commands */
	{"DROP TABLE a, s.\"B\" CASCADE", "a=ACCESS EXCLUSIVE,s.\"B\"=ACCESS EXCLUSIVE"},
	{"DROP SCHEMA s CASCADE", "s=ACCESS EXCLUSIVE/schema"},
	{"DROP VIEW v", "v=ACCESS EXCLUSIVE"},
	{"TRUNCATE a, b", "a=ACCESS EXCLUSIVE,b=ACCESS EXCLUSIVE"},
	{"VACUUM FULL a", "a=ACCESS EXCLUSIVE"},
	{"VACUUM (ANALYZE) a, b", "a=SHARE UPDATE EXCLUSIVE,b=SHARE UPDATE EXCLUSIVE"},
	{"VACUUM (FULL off) a", "a=SHARE UPDATE EXCLUSIVE"},
	{"CLUSTER a USING i", "a=ACCESS EXCLUSIVE"},
	{"REFRESH MATERIALIZED VIEW m", "m=ACCESS EXCLUSIVE"},
	{"REFRESH MATERIALIZED VIEW CONCURRENTLY m", "m=EXCLUSIVE"},
	{"LOCK a", "a=ACCESS EXCLUSIVE"},
	{"LOCK a, b IN ROW SHARE MODE", "a=ROW SHARE,b=ROW SHARE"},
	{"LOCK a IN SHARE ROW EXCLUSIVE MODE", "a=SHARE ROW EXCLUSIVE"},
	/* renames */
	{"ALTER TABLE a RENAME TO b", "a=ACCESS EXCLUSIVE"},
	{"ALTER TABLE a RENAME COLUMN x TO y", "a=ACCESS EXCLUSIVE"},
	{"ALTER INDEX i RENAME TO j", "i=SHARE UPDATE EXCLUSIVE/index"},
	{"ALTER TABLE a SET SCHEMA s", "a=ACCESS EXCLUSIVE"},
	/* triggers, rules, policies, statistics, comments */
	{"CREATE TRIGGER g BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()", "a=SHARE ROW EXCLUSIVE"},
	{"DROP TRIGGER g ON app.a", "app.a=ACCESS EXCLUSIVE"},
	{"CREATE RULE r AS ON INSERT TO a DO NOTHING", "a=ACCESS EXCLUSIVE"},
	{"CREATE POLICY p ON a USING (true)", "a=ACCESS EXCLUSIVE"},
	{"CREATE STATISTICS st ON x, y FROM a", "a=SHARE UPDATE EXCLUSIVE"},
	{"COMMENT ON COLUMN s.a.b IS 'x'", "s.a=SHARE UPDATE EXCLUSIVE"},
	/* CREATE TABLE: its foreign keys' tables and its parent */
	{"CREATE TABLE n (x int REFERENCES b, FOREIGN KEY (x) REFERENCES c)", "b=SHARE ROW EXCLUSIVE,c=SHARE ROW EXCLUSIVE"},
	{"CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)", "p=ACCESS EXCLUSIVE"},
	{"CREATE TABLE k () INHERITS (p)", "p=SHARE UPDATE EXCLUSIVE"},
	{"CREATE TABLE n (id int)", ""},
	/* data */
	{"UPDATE a SET x = 1", "a=ROW EXCLUSIVE"},
	{"WITH d AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM d", "b=ROW EXCLUSIVE,a=ROW EXCLUSIVE"},
	{"COPY a FROM stdin", "a=ROW EXCLUSIVE"},
	{"MERGE INTO a USING b ON a.id = b.id WHEN MATCHED THEN DELETE", "a=ROW EXCLUSIVE"},
	{"SELECT 1", ""},
};

TEST(lint_locks_modes_by_statement)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = locks_of(cases[i][0]);
		if (strcmp(got, cases[i][1]) != 0) {
			char m[1024];
			snprintf(m, sizeof m, "%s: got \"%s\", want \"%s\"", cases[i][0], got, cases[i][1]);
			check_failed(__FILE__, __LINE__, m);
		}
		free(got);
	}
}

TEST(lint_locks_names_and_max)
{
	CHECK_STR(lint_lock_name(LINT_LOCK_SHARE_UPDATE_EXCLUSIVE), "SHARE UPDATE EXCLUSIVE");
	CHECK(lint_lock_name(LINT_LOCK_NONE) == NULL);
	struct lint_locks l = {0, NULL};
	CHECK_INT(lint_locks_max(&l), LINT_LOCK_NONE);
	CHECK(lint_locks_find(&l, "t") == NULL);
}
