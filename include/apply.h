/*
 * apply.h: the executor. Sends one unit of work (a file's text, split into
 * statements) and its history effect to the server, and maps what goes
 * wrong to the file's line and column (locus.h). It does not know which way
 * the unit goes: the history effect (write a row, delete it, record
 * progress) and the words of its log lines come with the unit. migrate.c
 * applies files with it; a rollback will undo them with it.
 *
 * An atomic unit is one message (or a part of one, apply_batch): BEGIN (a
 * SAVEPOINT inside the run's transaction); pgboot.t0 set to the server's
 * clock; SET LOCAL lock_timeout; the text; a marker row with the file's
 * milliseconds; the session put back as
 * connect left it (RESET SESSION AUTHORIZATION, ROLE, ALL; never DISCARD
 * ALL); the effect; the migration lock confirmed held (a session's lock);
 * COMMIT. Any other unit runs statement by statement, recording its
 * progress. A lock timeout (SQLSTATE 55P03) is retried with backoff, the
 * sessions that likely blocked it named; any other error is the unit's
 * (exit 3), a released migration lock 75, a lost connection 69, a signal
 * 128+N.
 */
#ifndef PGB_APPLY_H
#define PGB_APPLY_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "sqlsplit.h"

/*
 * How a unit is sent:
 *   ONE_MESSAGE    BEGIN; SET LOCAL lock_timeout; text; effect; COMMIT: one round trip
 *   WRAPPED        the text's own first BEGIN and last COMMIT become pgboot's: still one message
 *   NO_TRANSACTION a directive asked: statement by statement, autocommit; a statement that can
 *                  share a transaction block goes with its progress and the lock check (one
 *                  round trip), one that cannot (CONCURRENTLY, VACUUM, DO ...) alone
 *   STEPWISE       transaction control in the middle: pgboot's BEGIN, then statement by
 *                  statement with the text's COMMIT/BEGIN taking effect, then the effect and COMMIT
 * The last two are not atomic: the history records their progress.
 */
enum apply_mode { MODE_ONE_MESSAGE, MODE_WRAPPED, MODE_NO_TRANSACTION, MODE_STEPWISE };

/* What the executor needs of the configuration. */
struct apply_opts {
	int run_transaction;            /* --lock-mode transaction: every unit in a savepoint of the caller's
					   transaction, and no session lock to check */
	long long ddl_lock_timeout_ms;  /* each statement's lock_timeout (0: none) */
	int ddl_lock_retries;           /* attempts when it runs out */
	long long statement_timeout_ms; /* pgboot's own, set again after each unit */
	int batch;                      /* apply_batch may send several units in one message (--no-batch: 0) */
	const char *lockrec;            /* the lock record expression in the units' history rows
					   (history_lockrec_sql), or NULL: a message of several units in a
					   session's lock prepares it once (APPLY_LOCKREC_STATEMENT), each row
					   reads it from the setting the statement sets just before its INSERT */
};

/*
 * The statement a batch prepares at its start and deallocates at its end
 * (also after a failure): planning the lock record's query over pg_locks and
 * the catalogs costs more than running it, and more than a small migration.
 */
#define APPLY_LOCKREC_STATEMENT "pgboot_lockrec"

/* A batch's bounds: files, and bytes of their text (a bigger file goes alone). */
#define APPLY_BATCH_MAX_FILES 250
#define APPLY_BATCH_MAX_BYTES (1024 * 1024)

/*
 * A unit's effect on the history, as SQL sent with its work. Each returns a
 * new string, or NULL with err when a value cannot be quoted (nothing was
 * sent then). arg is the effect's own.
 */
struct apply_effect {
	char *(*done)(void *arg, struct pgb_error *err);                 /* atomic: in the unit's transaction */
	char *(*start)(void *arg, struct pgb_error *err);                /* stepwise: before the first statement */
	char *(*progress)(void *arg, int done, struct pgb_error *err);   /* stepwise: done statements committed */
	char *(*finish)(void *arg, long long ms, struct pgb_error *err); /* stepwise: after the last one */
	void *arg;
};

/* The words of the unit's log lines and errors: "migration", "applying", "applied", "ran". */
struct apply_words {
	const char *noun;   /* "migration", "seed": "<noun> \"<path>\" waited ...", events "<noun>_<done>" */
	const char *gerund; /* "the connection was lost while <gerund> ..." */
	const char *done;   /* "<done> <noun> 0001_init (3 ms)" */
	const char *directive_at; /* where "-- pgboot:no-transaction" goes: "at the top of the file" */
	const char *ran;    /* inside the run's transaction, not committed yet: "<ran> <noun> 0001_init (3 ms; commits
			       with the run)"; events "<noun>_<done>", "<noun>_<ran>" (spaces as "_") */
};

struct apply_unit {
	const char *path, *version, *name; /* for messages and log fields */
	const char *text;                  /* the text to run, text[0..len) */
	size_t len;
	const struct sql_script *script; /* its statements (sqlsplit.h), as the server will read them */
	enum apply_mode mode;
	size_t first, last; /* WRAPPED: the statements that are the text's BEGIN and COMMIT */
	long long key;      /* the migration lock's; checked after the work unless run_transaction */
	int prior;          /* stepwise: the progress an earlier run recorded (never recorded as less) */
	int complete;       /* stepwise: every statement committed before: only the finish is left */
	struct apply_effect effect;
	struct apply_words words;
};

/*
 * The mode for a text's statements: no_transaction (a directive) says
 * NO_TRANSACTION; otherwise by where BEGIN and COMMIT stand among its SQL
 * statements (*first and *last set for WRAPPED); meta-command lines do not
 * count.
 */
enum apply_mode apply_mode_of(const char *text, const struct sql_script *script, int no_transaction, size_t *first,
			      size_t *last);
/* 1 for the modes that run a unit as one transaction */
int apply_mode_is_atomic(enum apply_mode m);

/*
 * Run u and its effect, and log it done ("applied migration ..."). Returns
 * 0, or -1 with err mapped to the file (exit 3, 69, 75, 128+N); what
 * stays of a non-atomic unit is appended to the message.
 */
int apply_unit(struct db *db, const struct apply_opts *o, const struct apply_unit *u, struct pgb_error *err);
/*
 * Run the atomic units u[0..n) in order, as few messages as the bounds
 * allow (one each without o->batch): one simple-query message holds
 * several transactions, each unit still its own BEGIN ... COMMIT (its
 * SAVEPOINT ... RELEASE with run_transaction), and the server skips the
 * rest of a message at the first error. Each unit is logged done as its
 * COMMIT comes back, with its milliseconds by the server's clock. A lock
 * timeout is retried from the unit that hit it. Returns 0, or -1 with err
 * as apply_unit's for the unit that failed; *applied: the units committed
 * before it.
 */
int apply_batch(struct db *db, const struct apply_opts *o, const struct apply_unit *u, size_t n, size_t *applied,
		struct pgb_error *err);

#endif
