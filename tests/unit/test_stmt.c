/* test_stmt.c: statements classified by their tokens (stmt.h). */
#include <string.h>

#include "check.h"
#include "stmt.h"
#include "sql_fixture.h"

static enum stmt_txn txn(const char *sql)
{
	struct sql_script s;
	const struct sql_stmt *st = nth(sql, 0, &s);
	enum stmt_txn t = st ? stmt_txn(sql, st) : (enum stmt_txn)-1;
	sql_script_free(&s);
	return t;
}

static int idem(const char *sql)
{
	struct sql_script s;
	const struct sql_stmt *st = nth(sql, 0, &s);
	int r = st ? stmt_is_idempotent(sql, st) : -1;
	sql_script_free(&s);
	return r;
}

/* ---- transaction control ---- */

TEST(stmt_txn_classification)
{
	CHECK_INT(txn("BEGIN;"), STMT_TXN_BEGIN);
	CHECK_INT(txn("begin work;"), STMT_TXN_BEGIN);
	CHECK_INT(txn("BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE;"), STMT_TXN_BEGIN);
	CHECK_INT(txn("START TRANSACTION READ ONLY;"), STMT_TXN_BEGIN);
	CHECK_INT(txn("start /* c */ transaction;"), STMT_TXN_BEGIN);
	CHECK_INT(txn("START;"), STMT_TXN_NONE);
	CHECK_INT(txn("COMMIT;"), STMT_TXN_COMMIT);
	CHECK_INT(txn("commit work"), STMT_TXN_COMMIT);
	CHECK_INT(txn("COMMIT AND NO CHAIN;"), STMT_TXN_COMMIT);
	CHECK_INT(txn("END;"), STMT_TXN_COMMIT);
	CHECK_INT(txn("end transaction;"), STMT_TXN_COMMIT);
	CHECK_INT(txn("COMMIT PREPARED 'x';"), STMT_TXN_OTHER);
	CHECK_INT(txn("ROLLBACK;"), STMT_TXN_ROLLBACK);
	CHECK_INT(txn("ABORT;"), STMT_TXN_ROLLBACK);
	CHECK_INT(txn("rollback work;"), STMT_TXN_ROLLBACK);
	CHECK_INT(txn("ROLLBACK TO s1;"), STMT_TXN_OTHER);
	CHECK_INT(txn("ROLLBACK TO SAVEPOINT s1;"), STMT_TXN_OTHER);
	CHECK_INT(txn("rollback transaction to savepoint s1;"), STMT_TXN_OTHER);
	CHECK_INT(txn("ROLLBACK -- c\n PREPARED 'x';"), STMT_TXN_OTHER);
	CHECK_INT(txn("SAVEPOINT s1;"), STMT_TXN_OTHER);
	CHECK_INT(txn("RELEASE SAVEPOINT s1;"), STMT_TXN_OTHER);
	CHECK_INT(txn("PREPARE TRANSACTION 'x';"), STMT_TXN_OTHER);
	CHECK_INT(txn("PREPARE q AS SELECT 1;"), STMT_TXN_NONE);
	CHECK_INT(txn("SELECT 'BEGIN';"), STMT_TXN_NONE);
	CHECK_INT(txn("\"begin\";"), STMT_TXN_NONE);
	CHECK_INT(txn("DO $$BEGIN COMMIT; END$$;"), STMT_TXN_NONE);
	CHECK_INT(txn("/* BEGIN */ SELECT 1;"), STMT_TXN_NONE);
	CHECK_INT(txn("-- x\nCOMMIT"), STMT_TXN_COMMIT);
	CHECK_INT(txn("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;"), STMT_TXN_NONE);
	CHECK_INT(txn("BEGINNING;"), STMT_TXN_NONE);
}

/* ---- idempotence ---- */

TEST(stmt_idempotent_statements)
{
	CHECK_INT(idem("CREATE TABLE IF NOT EXISTS t (x int);"), 1);
	CHECK_INT(idem("create unlogged table if not exists t (x int);"), 1);
	CHECK_INT(idem("CREATE INDEX IF NOT EXISTS i ON t (x);"), 1);
	CHECK_INT(idem("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);"), 1);
	CHECK_INT(idem("CREATE SCHEMA IF NOT EXISTS s;"), 1);
	CHECK_INT(idem("CREATE EXTENSION IF NOT EXISTS pgcrypto;"), 1);
	CHECK_INT(idem("CREATE SEQUENCE IF NOT EXISTS s;"), 1);
	CHECK_INT(idem("CREATE /* c */ OR -- c\n REPLACE VIEW v AS SELECT 1;"), 1);
	CHECK_INT(idem("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;"), 1);
	CHECK_INT(idem("DROP TABLE IF EXISTS t;"), 1);
	CHECK_INT(idem("DROP INDEX CONCURRENTLY IF EXISTS i;"), 1);
	CHECK_INT(idem("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;"), 1);
	CHECK_INT(idem("ALTER TABLE IF EXISTS s.t ADD IF NOT EXISTS c int DEFAULT f(1, 2), DROP COLUMN IF EXISTS d;"), 1);
	CHECK_INT(idem("ALTER TABLE t DROP IF EXISTS d"), 1);
	CHECK_INT(idem("ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'x';"), 1);
	CHECK_INT(idem("VACUUM ANALYZE t;"), 1);
	CHECK_INT(idem("ANALYZE t;"), 1);
	CHECK_INT(idem("REINDEX INDEX CONCURRENTLY i;"), 1);
	CHECK_INT(idem("REFRESH MATERIALIZED VIEW CONCURRENTLY v;"), 1);
	CHECK_INT(idem("SELECT pg_sleep(0);"), 1);
	CHECK_INT(idem("SET lock_timeout = '1s';"), 1);
	CHECK_INT(idem("COMMENT ON TABLE t IS 'x';"), 1);
	CHECK_INT(idem("GRANT SELECT ON t TO r;"), 1);
	CHECK_INT(idem("REVOKE ALL ON t FROM r;"), 1);

	CHECK_INT(idem("CREATE TABLE t (x int);"), 0);
	CHECK_INT(idem("CREATE INDEX CONCURRENTLY i ON t (x);"), 0);
	CHECK_INT(idem("CREATE TABLE t AS SELECT 1 WHERE NOT EXISTS (SELECT 1);"), 0);
	CHECK_INT(idem("DROP TABLE t;"), 0);
	CHECK_INT(idem("ALTER TABLE t ADD COLUMN c int;"), 0);
	CHECK_INT(idem("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int, ADD COLUMN d int;"), 0);
	CHECK_INT(idem("ALTER TABLE t ADD CONSTRAINT k CHECK (x > 0);"), 0);
	CHECK_INT(idem("ALTER TYPE mood ADD VALUE 'x';"), 0);
	CHECK_INT(idem("INSERT INTO t VALUES (1);"), 0);
	CHECK_INT(idem("SELECT 1 INTO t2;"), 0);
	CHECK_INT(idem("SELECT (SELECT 1) AS x;"), 1);
	CHECK_INT(idem("UPDATE t SET x = 1;"), 0);
	CHECK_INT(idem("COMMENT;"), 0);
	CHECK_INT(idem("\"create\" or replace;"), 0);
	CHECK_INT(idem("DO $$ BEGIN CREATE TABLE IF NOT EXISTS t (); END $$;"), 0);

	struct sql_script s;
	const struct sql_stmt *st = nth("\\echo CREATE TABLE IF NOT EXISTS t ()\n", 0, &s);
	CHECK(st && stmt_is_idempotent("\\echo CREATE TABLE IF NOT EXISTS t ()\n", st) == 0);
	sql_script_free(&s);
}

/* Each case: SQL and "1" or "0", the predicate's answer for its first statement. */
static void check_predicate(const char *const (*cases)[2], size_t n, int (*pred)(const char *, const struct sql_stmt *))
{
	for (size_t i = 0; i < n; i++) {
		struct sql_script s;
		const struct sql_stmt *st = nth(cases[i][0], 0, &s);
		CHECK(st != NULL);
		if (st)
			CHECK_INT(pred(cases[i][0], st), cases[i][1][0] - '0');
		sql_script_free(&s);
	}
}

TEST(stmt_copy_from_stdin)
{
	const char *cases[][2] = {
		{ "COPY t FROM STDIN;\n1\n\\.\n", "1" },
		{ "copy t (a, b) from stdin with (format csv);\n\\.\n", "1" },
		{ "COPY t FROM STDOUT;\n\\.\n", "1" }, /* the grammar reads it as FROM STDIN */
		{ "select 0\\; copy t from stdin;\n\\.\n", "1" },
		{ "COPY t FROM '/tmp/x';", "0" },
		{ "COPY t TO STDOUT;", "0" },
		{ "COPY (SELECT 1 FROM stdin) TO STDOUT;", "0" },
		{ "SELECT 1 FROM stdin;", "0" },
	};
	check_predicate(cases, sizeof(cases) / sizeof(cases[0]), stmt_is_copy_from_stdin);
}

TEST(stmt_copy_to_stdout)
{
	const char *cases[][2] = {
		{ "COPY t TO STDOUT;", "1" },
		{ "copy (SELECT 1) to stdout with (format csv);", "1" },
		{ "COPY t FROM '/x/stdout.csv';", "0" },
		{ "COPY t TO '/tmp/stdout';", "0" },
		{ "COPY t FROM STDIN;\n\\.\n", "0" },
		{ "SELECT 'to stdout';", "0" },
	};
	check_predicate(cases, sizeof(cases) / sizeof(cases[0]), stmt_is_copy_to_stdout);
}

TEST(stmt_two_phase)
{
	const char *cases[][2] = {
		{ "PREPARE TRANSACTION 'x';", "1" },
		{ "commit prepared 'x';", "1" },
		{ "ROLLBACK /* c */ PREPARED 'x';", "1" },
		{ "SAVEPOINT prepared_rows;", "0" },
		{ "RELEASE SAVEPOINT prepared;", "0" },
		{ "ROLLBACK TO SAVEPOINT prepared;", "0" },
		{ "PREPARE q AS SELECT 1;", "0" },
		{ "COMMIT;", "0" },
		{ "SELECT 'prepare transaction';", "0" },
	};
	check_predicate(cases, sizeof(cases) / sizeof(cases[0]), stmt_is_two_phase);
}

static int unlocks(const char *sql)
{
	struct sql_script s;
	const struct sql_stmt *st = nth(sql, 0, &s);
	size_t at = 0;
	int r = st ? (int)stmt_unlocks(sql, st, 77, &at) : -1;
	sql_script_free(&s);
	return r;
}

TEST(stmt_unlocks)
{
	CHECK_INT(unlocks("DISCARD ALL;"), STMT_UNLOCK_DISCARD);
	CHECK_INT(unlocks("discard /* c */ all"), STMT_UNLOCK_DISCARD);
	CHECK_INT(unlocks("DISCARD TEMP;"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("DISCARD TEMPORARY;"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("DISCARD PLANS;"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("discard sequences;"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock_all();"), STMT_UNLOCK_ALL);
	CHECK_INT(unlocks("SELECT pg_catalog.PG_ADVISORY_UNLOCK_ALL ( );"), STMT_UNLOCK_ALL);
	CHECK_INT(unlocks("SELECT \"pg_advisory_unlock_all\"();"), STMT_UNLOCK_ALL);
	CHECK_INT(unlocks("SELECT x FROM t WHERE pg_advisory_unlock(id);"), STMT_UNLOCK_KEY);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock(77);"), STMT_UNLOCK_KEY);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock_shared(hashtext('x'));"), STMT_UNLOCK_KEY);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock((76 + 1));"), STMT_UNLOCK_KEY);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock(42), pg_advisory_unlock(f(1, 2));"), STMT_UNLOCK_KEY);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock(42);"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock( -42 );"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock(1, 77);"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock_shared(f(1, 2), 3);"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT 'pg_advisory_unlock_all() DISCARD ALL';"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT 1 -- pg_advisory_unlock_all()\n;"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("CREATE FUNCTION f() RETURNS void AS $$ SELECT pg_advisory_unlock_all() $$ LANGUAGE sql;"),
		  STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT pg_advisory_unlock_all FROM t;"), STMT_UNLOCK_NONE);
	CHECK_INT(unlocks("SELECT \"PG_ADVISORY_UNLOCK_ALL\"();"), STMT_UNLOCK_NONE);
}

TEST(stmt_fits_block)
{
	const char *cases[][2] = {
		{ "INSERT INTO t VALUES (1);", "1" },
		{ "select 1;", "1" },
		{ "WITH x AS (SELECT 1) SELECT * FROM x;", "1" },
		{ "CREATE TABLE t (id int);", "1" },
		{ "CREATE INDEX i ON t (x);", "1" },
		{ "ALTER TABLE t ADD COLUMN c int;", "1" },
		{ "DROP INDEX i;", "1" },
		{ "SET search_path = x;", "1" },
		{ "CREATE INDEX CONCURRENTLY i ON t (x);", "0" },
		{ "create unique index concurrently i on t (x);", "0" },
		{ "DROP INDEX CONCURRENTLY i;", "0" },
		{ "REFRESH MATERIALIZED VIEW CONCURRENTLY v;", "0" },
		{ "ALTER TABLE p DETACH PARTITION c CONCURRENTLY;", "0" },
		{ "VACUUM t;", "0" },
		{ "REINDEX TABLE t;", "0" },
		{ "CREATE DATABASE d;", "0" },
		{ "DROP TABLESPACE s;", "0" },
		{ "ALTER SYSTEM SET work_mem = '1MB';", "0" },
		{ "ALTER TYPE mood ADD VALUE 'x';", "0" },
		{ "DO $$ BEGIN COMMIT; END $$;", "0" },
		{ "CALL p();", "0" },
		{ "BEGIN;", "0" },
		{ "COMMIT;", "0" },
		{ "LOCK TABLE t;", "0" },
		{ "CLUSTER;", "0" },
		{ "SELECT 'concurrently' /* concurrently */;", "1" },
	};
	check_predicate(cases, sizeof(cases) / sizeof(cases[0]), stmt_fits_block);
}

TEST(stmt_sets_session)
{
	const char *cases[][2] = {
		{ "SET lock_timeout = 0;", "1" },
		{ "set local lock_timeout = '1s';", "1" },
		{ "RESET lock_timeout;", "1" },
		{ "RESET ALL;", "1" },
		{ "DISCARD PLANS;", "1" },
		{ "SELECT pg_catalog.set_config('lock_timeout', '0', false);", "1" },
		{ "SELECT \"set_config\"('lock_timeout', '0', false);", "1" },
		{ "/* c */ SET search_path = x;", "1" },
		{ "INSERT INTO t VALUES (1);", "0" },
		{ "SELECT 'set_config(x)' /* set_config( */;", "0" },
		{ "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;", "0" },
		{ "ALTER TABLE t SET SCHEMA s;", "0" },
		{ "UPDATE t SET x = 1;", "0" },
	};
	check_predicate(cases, sizeof(cases) / sizeof(cases[0]), stmt_sets_session);
}

TEST(stmt_concurrent)
{
	const char *cases[][2] = {
		{ "CREATE INDEX CONCURRENTLY i ON t (a);", "1" },
		{ "drop index concurrently if exists i;", "1" },
		{ "REINDEX INDEX CONCURRENTLY i;", "1" },
		{ "ALTER TABLE p DETACH PARTITION c CONCURRENTLY;", "1" },
		/* REINDEX's option list (PostgreSQL 14+): as concurrent as REINDEX INDEX CONCURRENTLY */
		{ "REINDEX (CONCURRENTLY) INDEX i;", "1" },
		{ "reindex (verbose, concurrently true) table t;", "1" },
		{ "SELECT f(concurrently) FROM t;", "0" },
		{ "REINDEX (VERBOSE) INDEX i; -- concurrently", "0" },
		{ "-- not concurrently\nCREATE INDEX i ON t (a);", "0" },
		{ "CREATE INDEX i ON t (a); /* concurrently */", "0" },
		{ "COMMENT ON TABLE t IS 'built concurrently';", "0" },
		{ "ALTER TABLE t ADD COLUMN concurrently_built int;", "0" },
		{ "CREATE FUNCTION f() RETURNS void AS $$ SELECT 'concurrently' $$ LANGUAGE sql;", "0" },
	};
	check_predicate(cases, sizeof(cases) / sizeof(cases[0]), stmt_is_concurrent);
}

TEST(stmt_tokens_follow_the_statements_setting)
{
	/* read with standard_conforming_strings off, the name is inside the string */
	const char *sql = "SELECT 'a\\' pg_advisory_unlock_all() ';";
	struct sqlsplit_opts o = {.standard_conforming_strings = 0};
	struct sql_script s;
	CHECK_INT(sql_split(sql, strlen(sql), &o, &s, NULL), 0);
	size_t at = 0;
	CHECK(s.n == 1 && stmt_unlocks(sql, &s.stmts[0], 77, &at) == STMT_UNLOCK_NONE);
	sql_script_free(&s);
}
