/*
 * source.h: discover the migration, seed or verify files of a directory,
 * read and validate them, and return them ordered. Reads the file system;
 * no database. Only the files directly in a directory are read: a
 * subdirectory holding .sql files (three levels down at most; names starting
 * with '.' skipped) is an error naming the first one, since skipping it would
 * leave migrations out without a word; one without .sql files is ignored.
 */
#ifndef PGB_SOURCE_H
#define PGB_SOURCE_H

#include <stddef.h>

#include "error.h"
#include "migfile.h"

struct migset {
	struct migfile *files; /* ordered by version */
	size_t n;
	struct migfile *repeatables; /* a layout's repeatable migrations (Flyway's R__, kind MIG_REPEATABLE), in
					the order they apply, after every versioned one (repeatable.h) */
	size_t nrepeatables;
};

/*
 * Read every *.sql of dir as migrations or seeds. A missing dir is an error
 * (PGB_EXIT_CONFIG) unless missing_ok; other files (README, .keep) are
 * ignored; a .sql name that does not parse, two files with equal versions, a
 * file that is not a regular file, unreadable, too large, invalid UTF-8 or
 * with NUL bytes are errors naming the file. Returns 0 or -1.
 */
int source_load(const char *dir, enum mig_kind kind, int missing_ok, struct migset *out, struct pgb_error *err);
void migset_free(struct migset *set);

struct layout;
/* The layout a directory was read as, and why (for the log line). */
struct source_choice {
	const struct layout *layout;
	char *why; /* "--layout dbmate", "meta/_journal.json exists", "no other tool's marks" */
};
/*
 * Read dir's migrations as layout_name says ("auto": the one member whose
 * detect says 1, pgboot's own when none; two is an error (78) naming both
 * and why): its scan, or source_load. choice is filled (free its why).
 * Returns 0 or -1.
 */
int source_load_migrations(const char *dir, const char *layout_name, int missing_ok, struct migset *out,
			   struct source_choice *choice, struct pgb_error *err);

/* ---- for the layouts' scanners (layout.h) --------------------------------- */

/* "dir/name", trailing slashes of dir dropped; a new string */
char *source_join(const char *dir, const char *name);
/*
 * Read a whole regular file of at most MIGFILE_MAX_BYTES, NUL-terminated: 0,
 * or -1 with err (78) naming it. While source_load_migrations reads a
 * directory (auto's detection, then the scan), each file is read from disk
 * once and each caller gets a copy.
 */
int source_read_file(const char *path, char **data, size_t *len, struct pgb_error *err);
/* 1 for a directory, 2 for a regular file, 0 otherwise (stat, symbolic links followed); memoized while a directory is read */
int source_path_kind(const char *path);
/* 1 when name ends in ".sql" in any case */
int source_is_sql_name(const char *name);
/* the file with this version, or NULL */
const struct migfile *migset_find(const struct migset *set, const struct pgb_version *v);

struct checkfile {
	char *path;    /* "verify/010_no_orphans.sql" */
	char *name;    /* "010_no_orphans" */
	char *sql;
	size_t len;
	struct pgb_version *requires; /* "-- pgboot:requires VERSION": skipped while one is not applied */
	size_t nrequires;
};
struct checkset {
	struct checkfile *files; /* in file-name order */
	size_t n;
};
/*
 * Read the *.sql files of dir in name order; a missing dir gives an empty set
 * when missing_ok. A name ending in ".SQL" (any other case) or not UTF-8 is
 * an error, as it is for migrations.
 */
int source_load_checks(const char *dir, int missing_ok, struct checkset *out, struct pgb_error *err);
void checkset_free(struct checkset *set);

#endif
