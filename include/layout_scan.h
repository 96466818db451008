/*
 * layout_scan.h: what the layouts' directory scanners and detectors share
 * (layout.h's detect and scan members): listing a directory, loading one
 * migration from its up file and its down file, checking that the tool's
 * order is pgboot's version order, and a lone statement that refuses a
 * transaction block. Reads the file system; no database.
 */
#ifndef PGB_LAYOUT_SCAN_H
#define PGB_LAYOUT_SCAN_H

#include <stddef.h>

#include "error.h"
#include "source.h"

/* dir's entries not starting with '.', in byte order: 0, or -1 with err (78) naming dir. A missing dir: an error. */
int layout_list(const char *dir, char ***names, size_t *n, struct pgb_error *err);
void layout_list_free(char **names, size_t n);
/* What layout_collect offers each entry of a directory: 1 when it filled item, 0 to skip the entry, -1 with err. */
typedef int (*layout_entry_fn)(const char *dir, const char *name, void *item, struct pgb_error *err);
/*
 * Each entry of dir (layout_list's order) offered to fn until one fails,
 * the items it filled packed in an array (malloc'd, elements of size bytes,
 * zeroed) with *count of them; *rc: 0, or -1 when fn failed. NULL (err
 * set) when dir cannot be listed.
 */
void *layout_collect(const char *dir, size_t size, layout_entry_fn fn, size_t *count, int *rc, struct pgb_error *err);
/* layout_list for a detector: 0, or -1 (nothing listed) when dir cannot be listed, its error dropped */
int layout_list_quiet(const char *dir, char ***names, size_t *n);
/* 1 with *why when dir holds a directory "<prefix chars, at least one>_<name>" with a regular file named file, else 0 */
int layout_detect_subdir_file(const char *dir, const char *prefix, const char *file, char **why);
/* "<version>_<name><infix>.up.sql" and ".down.sql", both empty, made in dir with O_EXCL (layout_create_files); *path: the up file */
int layout_create_updown(const char *dir, const char *version, const char *name, const char *infix, char **path,
			 struct pgb_error *err);
/* 1 when dir/name is a directory (symbolic links followed); 2 when a regular file; 0 otherwise */
int layout_kind(const char *dir, const char *name);
/* 1 when s[0..n) is only digits, at least one */
int layout_all_digits(const char *s, size_t n);

/*
 * Append a migration to out (its files array grown): up_path read and loaded
 * as migfile_load_split does, with down_path's text (NULL: no down part) as
 * its down part. version: the digits of the version; name; tool_id (NULL:
 * none). Returns 0 or -1 with err naming the file.
 */
int layout_add(struct migset *out, const char *up_path, const char *down_path, const char *version,
	       const char *name, const char *tool_id, struct pgb_error *err);
/*
 * out in its tool's order: refuse (78) two neighbours whose pgboot versions
 * are equal or out of order (pgboot's history orders by version), naming
 * both files and why.
 */
int layout_check_order(const struct migset *out, const char *tool, struct pgb_error *err);
/*
 * A tool that sends a file as one Query message (golang-migrate, prisma)
 * runs a file of one statement outside any transaction block: when the up
 * (or the down) part is a single statement that cannot share a block
 * (CREATE INDEX CONCURRENTLY, VACUUM ...), mark it no-transaction so that
 * pgboot runs it alone, as the tool would.
 */
void layout_lone_statement(struct migfile *mf);



/* One file of a layout whose up and down parts are files of their own ("1_init.up.sql"). */
struct layout_part {
	char *path;    /* "migrations/1_init.up.sql" */
	char *version; /* the digits: "1" */
	char *name;    /* "init" */
	int down;      /* 1: the down file */
};
/*
 * Pair parts (sorted by the caller in its tool's order, equal versions
 * together) into migrations appended to out: two up (or two down) files of
 * one version, or a down file without its up file, are errors (78) naming
 * the files. tool_id(version) (may be NULL) gives a migration's tool id.
 * Frees nothing. Returns 0 or -1.
 */
int layout_pair(const struct layout_part *parts, size_t n, const char *tool, char *(*tool_id)(const char *version),
		struct migset *out, struct pgb_error *err);
void layout_parts_free(struct layout_part *parts, size_t n);

/*
 * --layout auto for the marker dialects: 1 with *why when a .sql file directly
 * in dir has dialect's up marker ("dbmate", "goose", "sql-migrate") and no
 * file has another dialect's: a directory mixing dialects is pgboot's own
 * layout, which reads them all.
 */
int layout_detect_markers(const char *dir, const char *dialect, char **why);
/* pop's own marks in dir (.fizz files, a dialect in a name, "{{" in a file): 1 with *why, else 0 */
int layout_pop_marks(const char *dir, char **why);
/*
 * A .sql file that the tool would leave out without a word (not named as its
 * migrations are, or not in a migration directory): refused (78), since in
 * pgboot's own layout it would be a migration. reads: what the tool reads
 * ("only directories holding up.sql"). Returns -1.
 */
int layout_refuse_stray(const char *dir, const char *fname, const char *tool, const char *reads,
			struct pgb_error *err);
/*
 * A tool's name rule for a flat directory of one-file migrations (dbmate,
 * goose, sql-migrate): 1 with *version (its digits) and *name set (malloc'd),
 * 0 for a name the tool ignores, -1 with *why (static) for a name the tool
 * would run but pgboot cannot read.
 */
typedef int (*layout_name_fn)(const char *fname, char **version, char **name, const char **why);
/* its order of two file names, as qsort's */
typedef int (*layout_order_fn)(const char *a, const char *b);
/*
 * Read every file directly in dir that the rule accepts, each loaded with
 * its markers (migfile_load), in the tool's order (pgboot's version order
 * must agree: layout_check_order); tool_id_is_name: the history id is the
 * file name (sql-migrate). A .sql file the rule ignores is refused
 * (layout_refuse_stray). Returns 0 or -1.
 */
int layout_scan_flat(const char *dir, const char *tool, const char *reads, layout_name_fn rule, layout_order_fn order,
		     int tool_id_is_name, struct migset *out, struct pgb_error *err);
/* "0012_add_users.sql" -> version "0012", name "add_users": the leading digits, then '_' (skipped), up to ".sql" */
void layout_split_name(const char *fname, size_t digits, char **version, char **name);
#endif
