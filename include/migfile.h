/*
 * migfile.h: one migration or seed file in memory: its bytes, its up and
 * down parts, its directives and its checksum. Pure (no I/O): source.c reads
 * the bytes and hands them here; the layouts (layout.h) read each marker line.
 *
 * Layout of a file:
 *     -- pgboot:no-transaction     directives: the leading block (comment lines,
 *     -- pgboot:idempotent         blank lines and block comments before the
 *     -- pgboot:up                 first statement); pgboot:up is optional
 *     CREATE TABLE ...;            the up part
 *     -- pgboot:down
 *     DROP TABLE ...;              the down part
 *
 * Markers. A marker is a "--" comment that starts its line (after blanks) and
 * that the lexer (sqlsplit.c, standard_conforming_strings on, the file's own
 * SET of it followed) finds outside quotes, dollar bodies and block comments:
 * text inside those is never a marker. Four families, each read as its tool
 * reads it (dbmate pkg/dbmate/migration.go, goose internal/sqlparser/parser.go,
 * sql-migrate sqlparse/sqlparse.go):
 *   pgboot       "--", blanks, "pgboot", blanks, ":", blanks, a word, blanks,
 *                optionally a "--" comment. Any case; the line may be
 *                indented. Words: up, down, no-transaction, idempotent; and
 *                requires VERSION, in a check file only (checkfile_directives).
 *   dbmate       ^--\s*migrate:up or migrate:down, lower case, "--" in column
 *                1; then the end of the line or blanks and options:
 *                transaction:false or transaction:true (a "--" ends them).
 *   goose        "--" in column 1; every "--" and the first lower-case
 *                "+goose" removed, the rest trimmed must be (any case) Up,
 *                Down, StatementBegin, StatementEnd, NO TRANSACTION or ENVSUB
 *                OFF. Nothing else may follow (goose refuses it too).
 *   sql-migrate  the line starts with exactly "-- +migrate "; the first field
 *                is Up, Down, StatementBegin or StatementEnd (case as
 *                written); Up and Down may add notransaction; a field
 *                starting with "--" ends the line.
 * Any other comment line whose text after "--" and blanks starts with
 * "pgboot:", "+goose", "+migrate" (any case), "migrate:", or "migrate" ":"
 * and the word up or down (any case, blanks around the colon) is a near miss: refused (78, file:line, the accepted spellings),
 * wherever it is in the file, because read as a comment it would run the
 * down part as up. So are options pgboot cannot honour (goose's ENVSUB ON)
 * and unknown ones. StatementBegin/End and ENVSUB OFF are understood and
 * need nothing: the lexer finds statement ends itself.
 *
 * Sections. An up marker opens an up section, a down marker a down section,
 * in any order and as often as the tools allow (sql-migrate's Down may come
 * first); a down marker inside a down section is an error. Text before the
 * first marker is up. The up part is every up section; the down part every
 * down section in file order (a down marker's own line is in neither).
 * no-transaction comes from pgboot:no-transaction (or sqlx's
 * "-- no-transaction", morph's "-- morph:nontransactional") in the leading
 * block, from an up marker's option, or from goose's NO TRANSACTION anywhere
 * (goose honours it anywhere). pgboot:no-transaction or pgboot:idempotent
 * below a statement or inside a down section is refused; sqlx's and morph's
 * are comments there, as before. The one exception: pgboot:no-transaction
 * (or sqlx's) on the lines right after a down marker, before the down
 * part's first statement, makes the down part no-transaction; it stays in
 * the down part's text, where migfile_down_no_transaction reads it.
 *
 * Where the bytes are: content[0 .. up_len) is the up part and
 * content[down_start .. len) the down part. For a file in the usual order
 * (up, then down to its end) content is the file itself. When a down section
 * precedes an up section, content is rebuilt: the file with every line
 * outside the up sections emptied (its "\n" kept, so each up statement keeps
 * its line and column for error messages), then the down sections.
 *
 * The checksum is SHA-256 of the up sections' text as written (CRLF folded
 * to LF, lowercase hex): what the history records. Editing the down part,
 * even its number of lines, is not drift. For the usual file it is the
 * checksum of everything before the down marker, as it always was.
 */
#ifndef PGB_MIGFILE_H
#define PGB_MIGFILE_H

#include <stddef.h>

#include "error.h"
#include "version.h"

/* MIG_REPEATABLE: a Flyway R__ file (repeatable.h); never a history row's kind */
enum mig_kind { MIG_MIGRATION, MIG_SEED, MIG_REPEATABLE };

/* the largest file pgboot reads: anything bigger is surely not a migration */
#define MIGFILE_MAX_BYTES (32u * 1024 * 1024)

struct migfile {
	enum mig_kind kind;
	char *path;               /* as shown to the user: "migrations/0001_init.sql" */
	struct pgb_version version;
	char *name;               /* "init" */
	char *content;            /* the file, or its rebuilt up and down parts; NUL-terminated */
	size_t len;
	size_t up_len;            /* the up part is content[0 .. up_len) (see "Where the bytes are") */
	size_t down_start;        /* the down part is content[down_start .. len), when it has one */
	int down_line;            /* 1-based line of the first down byte (in the file); 0: no down part */
	int no_transaction;       /* a directive asked for statement-by-statement, autocommit */
	int down_no_transaction;  /* its layout's markers asked it of the down part (dbmate "migrate:down
				     transaction:false", sql-migrate "Down notransaction", goose's file-wide
				     "NO TRANSACTION"); pgboot's own directive stays in the down text */
	int idempotent;           /* "-- pgboot:idempotent": the author vouches it is safe to re-run */
	char *down_path;          /* the file the down part was read from, when not path (golang-migrate's
				     .down.sql, diesel's down.sql, Flyway's U file); down_line counts in it */
	char *tool_id;            /* the migration's id in its tool's history, when not the version text:
				     drizzle's journal "when", sql-migrate's file name, prisma's directory
				     name, node-pg-migrate's name (layout.h); NULL otherwise */
	int empty;                /* the up part is only whitespace and comments */
	char checksum[65];        /* SHA-256 hex of the up part, CRLF folded */
};

/*
 * Take ownership of content (malloc'd, len bytes plus a NUL) and analyse it:
 * refuse NUL bytes and invalid UTF-8 (naming the line), read the markers
 * and directives (refusing near misses), find the sections, compute the
 * checksum. content may be replaced by a rebuilt buffer (see above). path, version and name
 * must already be set. Returns 0, or -1 with err (PGB_EXIT_CONFIG) naming
 * path and line.
 */
int migfile_load(struct migfile *mf, char *content, size_t len, struct pgb_error *err);
void migfile_free(struct migfile *mf);
/*
 * For layouts whose down part is a file of its own: load the up file's text
 * (taking ownership of up, malloc'd, up_len bytes plus a NUL) as
 * migfile_load does, then append the down file's text (borrowed; down NULL:
 * none) as the down part, read from down_path (copied). A down marker in
 * the up file is refused. Returns 0 or -1 with err naming the file.
 */
int migfile_load_split(struct migfile *mf, char *up, size_t up_len, const char *down, size_t down_len,
		       const char *down_path, struct pgb_error *err);
/* 1 when mf has a down part (a down marker; the part may be empty) */
int migfile_has_down(const struct migfile *mf);
/* SHA-256 hex of data with every CRLF folded to LF; out holds 65 bytes */
void migfile_checksum(const char *data, size_t len, char out[65]);
/* Refuse a file name that is not UTF-8 (78, the bad bytes shown as \xNN). Returns 0 or -1. */
int migfile_validate_name(const char *fname, struct pgb_error *err);
/* Refuse NUL bytes and invalid UTF-8 in a file's text, naming path and line. Returns 0 or -1. */
int migfile_validate_text(const char *path, const char *data, size_t len, struct pgb_error *err);

/*
 * 1 when a down part's text (as the history stores it: after its marker's
 * line) says "-- pgboot:no-transaction" in its leading block, read by the
 * same lexer and marker reader as a file's.
 */
int migfile_down_no_transaction(const char *sql, size_t len);
/*
 * The down part as the history stores it (mf has one): its text, preceded by
 * a line "-- pgboot:no-transaction" when its layout's marker asked for no
 * transaction and the text does not say so itself, so that a rollback
 * without the file runs it the way its tool would. A new string, *len its
 * length.
 */
char *migfile_stored_down(const struct migfile *mf, size_t *len);

/*
 * A check file's directives: "-- pgboot:requires VERSION" lines in its
 * leading block (comment lines, blank lines and block comments before the
 * first statement), read by the same lexer and marker reader as a
 * migration's. *req gets the versions (malloc'd, *nreq of them; the caller
 * frees each with version_free, then the array). A version that does not
 * parse, a requires line below a statement, or any other pgboot, dbmate,
 * goose or sql-migrate marker is an error (78) naming path and line.
 * Returns 0 or -1.
 */
int checkfile_directives(const char *path, const char *sql, size_t len, struct pgb_version **req, size_t *nreq,
			 struct pgb_error *err);

#endif
