/*
 * backup.h: --save-backup: the pg_dump taken before the first destructive
 * statement of a rollback or a reset. This module owns finding pg_dump and
 * pg_restore on PATH, refusing one older than the server, running them as
 * children (the password in the child's environment, never in argv), the
 * check that the archive is complete (pg_restore --list) and a signal
 * while they run (the child is ended, 128+N). It changes nothing in the
 * database: it only reads it through pg_dump's own connection.
 */
#ifndef PGB_BACKUP_H
#define PGB_BACKUP_H

#include "error.h"

/* the connection pg_dump makes (db_child_conninfo, db.h) */
struct backup_conn {
	const char *conninfo; /* the child's keyword string, no password: goes into argv */
	const char *password; /* NULL: none; goes into the child's environment only */
	int server_version;   /* server_version_num */
	const char *shown;    /* pgboot's connection string (may be NULL), for masking messages */
};

/*
 * Dump the database to file (pg_dump --format=custom, written beside it as
 * FILE.partial, renamed to file once pg_restore --list reads it whole).
 * Returns 0, or -1 with err: 78 when pg_dump or
 * pg_restore is not on PATH or pg_dump is older than the server's major
 * version (nothing run against the database), 69 when the dump failed or
 * the archive is incomplete (pg_dump's messages in the detail), 128+N on a
 * signal. On failure no file is left but one that was already there.
 * Pure of libpq: the caller gives the connection (bc).
 */
int backup_save(const struct backup_conn *bc, const char *file, struct pgb_error *err);

/* pg_dump --version's text as a server_version_num major (15 -> 150000, 9.6 -> 90600), or -1. */
int backup_parse_version(const char *text);

#endif
