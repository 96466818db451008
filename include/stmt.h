/*
 * stmt.h: what a statement is, by its tokens (sqlsplit.h's token iterator,
 * so a word in a string, a comment or a dollar-quoted body never counts):
 * transaction control, safe to re-run, COPY, two-phase commit, what can
 * release the migration lock or change the session, what can share a
 * transaction block. The vocabulary of the rules (rules.h) and of the
 * executor. Pure: no I/O; borrows the text and the statement.
 */
#ifndef PGB_STMT_H
#define PGB_STMT_H

#include "sqlsplit.h"

enum stmt_txn {
	STMT_TXN_NONE,     /* not transaction control */
	STMT_TXN_BEGIN,    /* BEGIN, START TRANSACTION (not BEGIN ATOMIC, not DO blocks) */
	STMT_TXN_COMMIT,   /* COMMIT, END (not COMMIT PREPARED) */
	STMT_TXN_ROLLBACK, /* ROLLBACK, ABORT (not ROLLBACK TO SAVEPOINT, not ROLLBACK PREPARED) */
	STMT_TXN_OTHER     /* SAVEPOINT, RELEASE, ROLLBACK TO, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED */
};

/* The transaction control statement st of buf is; STMT_TXN_NONE for a meta-command. */
enum stmt_txn stmt_txn(const char *buf, const struct sql_stmt *st);

/*
 * 1 when the statement st of buf is safe to run again after a partial
 * failure: CREATE ... IF NOT EXISTS, CREATE OR REPLACE, DROP ... IF EXISTS,
 * ALTER TABLE whose every action is ADD [COLUMN] IF NOT EXISTS or DROP
 * [COLUMN] IF EXISTS, ALTER TYPE ... ADD VALUE IF NOT EXISTS, VACUUM,
 * ANALYZE, REINDEX, REFRESH MATERIALIZED VIEW, SELECT (but not SELECT ...
 * INTO), SET, RESET, COMMENT ON, GRANT, REVOKE. 0 for everything else,
 * including meta-commands. Works on tokens: comments, case and quoting of
 * other identifiers do not matter.
 */
int stmt_is_idempotent(const char *buf, const struct sql_stmt *st);

/*
 * 1 for COPY ... FROM STDIN (or FROM STDOUT, which the grammar takes too):
 * psql reads the lines after it, up to a line "\.", as its data, and so
 * does the lexer (sql_stmt.data_start); the executor sends it (db.h). Any of the commands psql's "\;"
 * joins into one statement counts.
 */
int stmt_is_copy_from_stdin(const char *buf, const struct sql_stmt *st);

/* How many such COPYs the statement holds (several only when "\;" joins them). */
int stmt_copy_in_count(const char *buf, const struct sql_stmt *st);

/* 1 for COPY ... TO STDOUT: a migration has no one to send the rows to. */
int stmt_is_copy_to_stdout(const char *buf, const struct sql_stmt *st);

/* 1 for PREPARE TRANSACTION, COMMIT PREPARED and ROLLBACK PREPARED. */
int stmt_is_two_phase(const char *buf, const struct sql_stmt *st);

/*
 * 1 when the word CONCURRENTLY is at the statement's top level (CREATE
 * INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, DETACH PARTITION ...
 * CONCURRENTLY), or among REINDEX's options (REINDEX (CONCURRENTLY) ...):
 * not in a comment, a string or a name.
 */
int stmt_is_concurrent(const char *buf, const struct sql_stmt *st);

/* How a statement can release session-level advisory locks (pgboot's migration lock among them). */
enum stmt_unlock {
	STMT_UNLOCK_NONE,
	STMT_UNLOCK_DISCARD, /* DISCARD ALL, or any DISCARD but TEMP, TEMPORARY, PLANS, SEQUENCES */
	STMT_UNLOCK_ALL,     /* a call of pg_advisory_unlock_all */
	STMT_UNLOCK_KEY      /* a one-argument pg_advisory_unlock[_shared] call whose argument is not an
				integer literal other than key: it may be pgboot's own */
};

/*
 * Whether statement st of buf can release pgboot's migration lock (whose
 * bigint key is key): a name in a string, a comment or a dollar-quoted body
 * is no call. The two-argument (int, int) forms of the unlock functions use
 * another key space and are fine. *at is set to the byte offset of the word
 * at fault.
 */
enum stmt_unlock stmt_unlocks(const char *buf, const struct sql_stmt *st, long long key, size_t *at);

/*
 * 1 when the statement may change a session setting for the statements
 * after it: SET (SET LOCAL too), RESET or DISCARD first, or a set_config
 * call anywhere but in a string, a comment or a dollar-quoted body. A
 * function that sets one inside its body is not seen.
 */
int stmt_sets_session(const char *buf, const struct sql_stmt *st);

/*
 * 1 when the statement can share a transaction block with other statements
 * and mean the same as when run alone: DML, SELECT, SET, most CREATE, ALTER
 * and DROP. 0 for what refuses a transaction block or may end one
 * (anything CONCURRENTLY, VACUUM, CREATE DATABASE, ALTER SYSTEM, DO, CALL,
 * ...), for transaction control, and for anything not known.
 */
int stmt_fits_block(const char *buf, const struct sql_stmt *st);

#endif
