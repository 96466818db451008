/*
 * migfile.h: one migration or seed file in memory: its bytes, its up and
 * down parts, its directives and its checksum. Pure (no I/O): source.c reads
 * the bytes and hands them here.
 *
 * Layout of a file:
 *     -- pgboot:no-transaction     directives: comment lines at the top
 *     -- pgboot:idempotent         (safe to re-run after a half-way failure)
 *     -- pgboot:up                 optional
 *     CREATE TABLE ...;            the up part
 *     -- pgboot:down
 *     DROP TABLE ...;              the down part
 *
 * The up part is everything before the "-- pgboot:down" line; its checksum
 * (SHA-256 of the up part with CRLF folded to LF, lowercase hex) is what the
 * history records, so editing the down part is not drift.
 */
#ifndef PGB_MIGFILE_H
#define PGB_MIGFILE_H

#include <stddef.h>

#include "error.h"
#include "version.h"

enum mig_kind { MIG_MIGRATION, MIG_SEED };

/* the largest file pgboot reads: anything bigger is surely not a migration */
#define MIGFILE_MAX_BYTES (32u * 1024 * 1024)

struct migfile {
	enum mig_kind kind;
	char *path;               /* as shown to the user: "migrations/0001_init.sql" */
	struct pgb_version version;
	char *name;               /* "init" */
	char *content;            /* the whole file, NUL-terminated (NUL bytes are refused) */
	size_t len;
	size_t up_len;            /* the up part is content[0 .. up_len) */
	size_t down_start;        /* the down part is content[down_start .. len), when has_down */
	int has_down;
	int down_line;            /* 1-based line of the first down byte */
	int no_transaction;       /* a directive asked for statement-by-statement, autocommit */
	int idempotent;           /* "-- pgboot:idempotent": the author vouches it is safe to re-run */
	int empty;                /* the up part is only whitespace and comments */
	char checksum[65];        /* SHA-256 hex of the up part, CRLF folded */
};

/*
 * Take ownership of content (malloc'd, len bytes plus a NUL) and analyse it:
 * refuse NUL bytes and invalid UTF-8 (naming the line), find the down
 * marker, read the directives, compute the checksum. path, version and name
 * must already be set. Returns 0, or -1 with err (PGB_EXIT_CONFIG) naming
 * path and line.
 */
int migfile_load(struct migfile *mf, char *content, size_t len, struct pgb_error *err);
void migfile_free(struct migfile *mf);
/* SHA-256 hex of data with every CRLF folded to LF; out holds 65 bytes */
void migfile_checksum(const char *data, size_t len, char out[65]);
/* 1 when data holds only whitespace and SQL comments */
int migfile_is_blank_sql(const char *data, size_t len);
/* Refuse a file name that is not UTF-8 (78, the bad bytes shown as \xNN). Returns 0 or -1. */
int migfile_validate_name(const char *fname, struct pgb_error *err);
/* Refuse NUL bytes and invalid UTF-8 in a file's text, naming path and line. Returns 0 or -1. */
int migfile_validate_text(const char *path, const char *data, size_t len, struct pgb_error *err);

#endif
