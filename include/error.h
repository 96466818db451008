/*
 * error.h: errors are values below the command layer. A fallible function
 * returns 0 on success or -1 after filling a caller-owned struct pgb_error:
 *
 *     if (stat(path, &st) != 0)
 *         return pgb_fail(err, PGB_EXIT_CONFIG, "could not stat \"%s\": %m", path);
 *
 * The first failure wins: pgb_fail on an error that is already set keeps the
 * original and returns -1. The owner calls pgb_error_free when done.
 */
#ifndef PGB_ERROR_H
#define PGB_ERROR_H

#include "exitcode.h"

struct pgb_error {
	int code;          /* an enum pgb_exit value; 0 while no error is set */
	char sqlstate[6];  /* "" unless the server reported the failure */
	char *message;     /* primary message, PostgreSQL style: lowercase, no period */
	char *detail;      /* whole sentences, or NULL */
	char *hint;        /* whole sentences, or NULL */
	char *context;     /* the server's CONTEXT, or NULL */
	char *file;        /* file at fault, or NULL */
	int line;          /* 1-based; 0 when unknown */
	int column;        /* 1-based, in characters; 0 when unknown */
	char *excerpt;     /* the offending source line with a caret line, or NULL */
	int position;      /* the server's error position: 1-based, in characters of the
			      text sent; 0 when none (db.c sets it, callers map it to line:column) */
	int internal_position; /* position inside a function body the server compiled (PL/pgSQL), or 0 */
	int statement_index;   /* 0-based statement of a multi-statement message that failed, or -1 */
};

void pgb_error_init(struct pgb_error *err);
void pgb_error_free(struct pgb_error *err);
/* Sets code and message (printf-style; %m is expanded from errno). Returns -1. */
int pgb_fail(struct pgb_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The one wording of a stop by signal sig: code 128+sig and the message
 * "stopped by signal N", followed by " " and the printf-style while_fmt
 * when it is not NULL ("while waiting for the database"). Returns -1.
 */
int pgb_fail_signal(struct pgb_error *err, int sig, const char *while_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the optional parts; each replaces an earlier value. */
void pgb_error_detail(struct pgb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pgb_error_hint(struct pgb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pgb_error_locus(struct pgb_error *err, const char *file, int line, int column);
/* Move src into dst (dst freed first); src is left empty. */
void pgb_error_move(struct pgb_error *dst, struct pgb_error *src);

#endif
