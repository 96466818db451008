/*
 * db.h: the libpq wrapper; the only module that includes libpq-fe.h.
 *
 * A struct db owns one connection. Every query checks the result status it
 * expects and clears every result on every path. Server errors fill a
 * struct pgb_error with the SQLSTATE, message, detail, hint, context and
 * the error position (characters of the text sent). Functions return 0, or
 * -1 with err set; PGB_EXIT_INTERNAL unless the caller re-classifies the
 * error with sqlstate_classify(err->sqlstate). An err that is already set
 * is left whole (the first failure wins, as with pgb_fail). Each field of a
 * server message (and a notice) is cut at 2 KB, saying how much was cut.
 * Rows a caller does not keep are dropped as they arrive (single-row mode).
 *
 * A signal (signals.h) cancels the statement now running: db.c registers
 * the signal hook and points it, around each statement, at the connection
 * that runs it (never at a db_exec_shielded one).
 */
#ifndef PGB_DB_H
#define PGB_DB_H

#include <stddef.h>

#include "error.h"

struct db;

/* One result set, copied out of libpq: cells are row-major, NULL for SQL null. */
struct db_result {
	char *command; /* the command tag: "SELECT 3", "SAVEPOINT" */
	int nrows;        /* the rows kept in cells */
	long long total;  /* the rows the server returned (more than nrows when db_exec_rows cut them) */
	int ncols;
	char **colnames;
	unsigned *coltypes; /* the columns' type OIDs (pg_type.oid) */
	char **cells;
};

enum db_connect_outcome {
	DB_CONNECTED,  /* *out is a ready connection */
	DB_TRANSIENT,  /* worth asking again: refused, starting up, too many connections */
	DB_TIMEOUT,    /* worth asking again: the attempt's time ran out first (err says so) */
	DB_PERMANENT,  /* give up: bad password (err->code 77), no database, TLS refused, bad conninfo, any
			  other server reply such as an unknown parameter in options= (78) */
	DB_INTERRUPTED /* a signal arrived while connecting */
};

/*
 * Check a connection string before any network I/O (bad URL, unknown
 * keyword). Returns 0, or -1 with err (PGB_EXIT_CONFIG).
 */
int db_check_conninfo(const char *conninfo, struct pgb_error *err);
/* 1 when the connection string sets keyword kw (e.g. "target_session_attrs") */
int db_conninfo_has(const char *conninfo, const char *kw);
/*
 * Describe the target for logs, without any password, before connecting:
 * the connection string redacted ("postgres://app:***@db:5432/app"), or for
 * NULL libpq's defaults as it will apply them (PGSERVICE, PG* variables).
 */
char *db_describe_target(const char *conninfo);
/*
 * What the connection actually reached: "host=H port=P user=U dbname=D" as
 * libpq used them (PQhost, PQport: the host of a list that answered, a
 * service file's entry). No password. The caller frees.
 */
char *db_describe_connection(struct db *db);
/*
 * The connection as another libpq client (pg_dump) makes it again: a keyword
 * string of every setting the connection used (PQconninfo), with the host,
 * address and port that answered rather than a list, and without the
 * password, sslpassword, client_encoding and application names. *password:
 * the password libpq sent (the string's, PGPASSWORD's or a password
 * file's), or NULL; free it with secret_free. The caller frees the string.
 */
char *db_child_conninfo(struct db *db, char **password);
/* The server's version as server_version_num says it (150004). */
int db_server_version(struct db *db);
/* the host (or socket directory) and port the connection reached */
const char *db_host(struct db *db);
const char *db_port(struct db *db);

/*
 * Try to connect once, giving up after timeout_ms. conninfo may be NULL
 * (libpq's defaults). fallback_application_name is "pgboot"; client_encoding
 * is UTF8 whatever conninfo, PGCLIENTENCODING or options=-c say (files are
 * sent as UTF-8). On
 * DB_CONNECTED *out owns the connection; otherwise err says why and, for
 * DB_TRANSIENT, *fast tells whether the failure was quick (refused,
 * starting up) so the caller may retry at once. give_up(arg), polled at
 * least every 100 ms (the caller's: a signal arrived, or other work
 * failed), ends the attempt with DB_INTERRUPTED.
 */
enum db_connect_outcome db_connect(const char *conninfo, long long timeout_ms, int (*give_up)(void *arg), void *arg,
				   struct db **out, int *fast, struct pgb_error *err);
/*
 * Open another session to the server and database db reached, with db's
 * settings and credentials (never shown) and application_name, giving up
 * after timeout_ms or on a signal. Returns 0 with *out, or -1 with err.
 */
int db_connect_beside(struct db *db, const char *application_name, long long timeout_ms, struct db **out,
		      struct pgb_error *err);
/*
 * Call hook(arg, sent_at) at least every 200 ms while a statement sent on db
 * is running (sent_at: when its message went, clock_now_ms); not while
 * shielded, nor after a signal. The hook may run statements on another
 * connection. NULL removes it.
 */
void db_on_wait(struct db *db, void (*hook)(void *arg, long long sent_at), void *arg);
/* Cancel any active statement, then close. NULL is fine. */
void db_close(struct db *db);

/*
 * Send sql (one or more statements) in one simple-query message and
 * collect every result set. results may be NULL when the caller wants none
 * (then rows stream in and are dropped: memory does not grow with them);
 * otherwise *results (free with db_results_free) holds one entry per
 * statement that returned rows or a command status. On an error, err is
 * set (err->statement_index: how many statements completed), *results
 * holds the results of the statements that completed before it (free them
 * too) and, if a transaction block is left aborted, it stays so (the
 * caller decides: db_rollback).
 */
int db_exec(struct db *db, const char *sql, struct db_result **results, int *nresults, struct pgb_error *err);
/*
 * db_exec handing each statement's result set to each(arg, i, res) as it
 * arrives (i counts from 0; res holds the set's first row at most, the
 * others dropped as they stream in; it is freed when each returns), e.g. to log
 * each transaction of a message as its COMMIT comes back. The server
 * sends results in 8 KB buffers, so a set may arrive only when a later
 * statement of the message ends; every set before an error arrives before it.
 */
/*
 * The data of the COPY ... FROM STDIN statements of the messages sent from
 * now on, in their order: the k-th COPY of a message that the server starts
 * (CopyInResponse) gets blocks[k], then the end of the data. A COPY beyond
 * them, and any COPY TO STDOUT, is ended with an error (pgboot has no data
 * to give or want). The blocks are borrowed: db_copy_data(db, NULL, 0)
 * before they go.
 */
struct db_copy_block {
	const char *data;
	size_t len;
};
void db_copy_data(struct db *db, const struct db_copy_block *blocks, size_t n);

typedef void db_each_fn(void *arg, int index, const struct db_result *res);
int db_exec_each(struct db *db, const char *sql, db_each_fn *each, void *arg, struct pgb_error *err);
/*
 * db_exec keeping at most keep rows of each result set (total counts them
 * all): the rows stream in one at a time (libpq's single-row mode) and the
 * rest are discarded as they arrive, so memory does not grow with the rows
 * the server returns. db_exec with results NULL streams and discards too.
 */
int db_exec_rows(struct db *db, const char *sql, int keep, struct db_result **results, int *nresults,
		 struct pgb_error *err);
/*
 * db_exec without results, run to its end even when a signal arrives: for
 * a short write that records what is already committed (a non-atomic file's
 * progress), which a cancel would leave behind the truth.
 */
int db_exec_shielded(struct db *db, const char *sql, struct pgb_error *err);
/* One statement with text parameters (extended protocol); res may be NULL. */
int db_query(struct db *db, const char *sql, int nparams, const char *const *params, struct db_result *res,
	     struct pgb_error *err);
void db_result_free(struct db_result *res);
void db_results_free(struct db_result *results, int n);
/* cell (row, col) or NULL */
const char *db_cell(const struct db_result *res, int row, int col);

/* ROLLBACK when a transaction block is open (ignoring errors, logging them at debug). */
void db_rollback_if_needed(struct db *db);
/* 1 while a transaction block is open (idle in transaction or failed) */
int db_in_transaction(struct db *db);
/* 1 when the connection is still usable */
int db_alive(struct db *db);

/*
 * Quote an identifier or literal for SQL; the caller frees. NULL with err
 * (PGB_EXIT_INTERNAL, libpq's message) when libpq cannot, e.g. for text that
 * is not valid in the client encoding: there is no unescaped fallback.
 */
char *db_quote_ident(struct db *db, const char *s, struct pgb_error *err);
char *db_quote_literal(struct db *db, const char *s, size_t len, struct pgb_error *err);

const char *db_database(struct db *db);
/* a parameter the server reported ("server_version", "session_authorization"), or "" */
const char *db_parameter(struct db *db, const char *name);
int db_backend_pid(struct db *db);
/* 1 when the session authenticated with password pw (PGPASSWORD's value, say); 0 otherwise */
int db_used_password(struct db *db, const char *pw);
/*
 * 1 when the server would lex a query message as it did right after connect:
 * standard_conforming_strings and client_encoding (which it reads the whole
 * message with, before running any of it) are what they were then.
 */
int db_lexes_as_connected(struct db *db);

#endif
