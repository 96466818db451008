/*
 * layout.h: the layouts of migration files pgboot reads: how a file's name
 * gives its version and name, and which comment lines are a tool's markers
 * (the grammar is written out in migfile.h). One file per layout in
 * src/layouts/, one table in src/layouts/layouts.c; pgboot's own layout is
 * the first member, the marker dialects of dbmate, goose, sql-migrate, sqlx
 * and morph the next. Pure: borrows the text, allocates nothing but an
 * error's text.
 *
 * Adding a layout: src/layouts/<name>.c defining `const struct layout
 * layout_<name>`, and one X(<name>) line in layouts.c's table.
 */
#ifndef PGB_LAYOUT_H
#define PGB_LAYOUT_H

#include <stddef.h>

#include "error.h"
#include "marker.h"
#include "source.h"
#include "version.h"

/* A comment line a layout's unit test reads: the marker it is, or refused (a near miss). */
struct layout_example {
	const char *line;
	enum marker_kind kind;
	int refused;
};

struct layout {
	const char *name;
	/*
	 * File names: 1 with *v and *name set for a migration, 0 for a file
	 * the layout ignores, -1 with err. NULL: the layout names its files
	 * as pgboot does.
	 */
	int (*parse_name)(const char *fname, struct pgb_version *v, char **name, struct pgb_error *err);
	/*
	 * 1 when the comment text s[0..n) (after "--" and blanks) belongs to
	 * this layout's markers: read_marker then reads it or refuses it as a
	 * near miss. NULL: the layout claims no comment, and read_marker sees
	 * only the comments no layout claims (a directive that is otherwise
	 * an ordinary comment).
	 */
	int (*claims)(const char *s, size_t n);
	/* Read the line (body: where the text after "--" starts): 0 with m filled, or -1 with err. */
	int (*read_marker)(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err);
	const struct layout_example *examples; /* ended by one whose line is NULL */

	/* ---- the layout of a directory (issue 14); NULL members: pgboot's own behaviour ---- */

	/*
	 * 1 when dir holds this layout's own marks (a meta/_journal.json,
	 * "<v>_<name>/up.sql" directories, "V1__x.sql" names, "-- migrate:up"
	 * markers ...) with *why (malloc'd) saying which for the log line of
	 * --layout auto: "meta/_journal.json exists"; 0 when not; -1 with err.
	 * NULL: never chosen by auto (pgboot's own is chosen when no member says 1).
	 */
	int (*detect)(const char *dir, char **why, struct pgb_error *err);
	/*
	 * Read dir's migrations (kind MIG_MIGRATION) into out (source.h), each
	 * migfile loaded (migfile_load or migfile_load_split), in the order the
	 * tool applies them; a file the tool would run but pgboot cannot run as
	 * it would (a Go template, a .js migration, Flyway placeholders) is an
	 * error (78) naming the file and the construct. A tool's repeatable
	 * migrations (Flyway's R__) go to out's repeatables (kind
	 * MIG_REPEATABLE, repeatable.h), in the order they apply. NULL: source.c's own
	 * scanner: every .sql directly in dir, named by parse_name, ordered by
	 * version.
	 */
	int (*scan)(const char *dir, struct migset *out, struct pgb_error *err);
	/*
	 * pgboot new NAME: create the next migration of dir (set: what is there,
	 * as scan read it) as the tool's own files are made (the next number or
	 * a UTC timestamp, as the existing files are; up and down markers or
	 * files): 0 with *path (malloc'd) the file or directory made, or -1.
	 * NULL: pgboot's own (layout_create_default).
	 */
	int (*create)(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err);
};

/*
 * Around one pass of --layout auto over a directory (source.c): between
 * begin and end, the marker dialects' detects read its .sql files once
 * between them, not once each.
 */
void layout_detect_begin(void);
void layout_detect_end(void);

/* The table; ended by NULL. */
extern const struct layout *const layouts[];

/* The layout of a project's files: pgboot's own (the first member). */
const struct layout *layout_files(void);
/* The member of that name ("golang-migrate"), or NULL */
const struct layout *layout_find(const char *name);
/* "pgboot, dbmate, goose ...": every member's name, for messages */
const char *layout_names(void);

/* ---- pgboot new: what the members' create share (src/layouts/create.c) ----- */

/* A new file of a layout that keeps a migration in one file "<version><sep><name>.sql". */
struct layout_template {
	const char *text;     /* the file's content, as the tool's own "new" writes it */
	char sep;             /* between version and name when no file shows one ('_'; sql-migrate '-') */
	int stamp_when_empty; /* an empty directory's first version: a UTC timestamp (1), or 0001 (0) */
};
/*
 * The version after set's newest (a new string): its digits read as a UTC
 * time (14 digits or more, YYYYMMDDHHMMSS...): now's, in the same width and
 * with the same separators (the newest plus one when now is not later);
 * else the last digit group plus one, in the same width (0007 after 0006).
 * An empty set: a timestamp or "0001". now: seconds since the epoch. Pure.
 */
char *layout_next_version(const struct migset *set, int stamp_when_empty, long long now);
/*
 * Create dir/<next version><sep><name>.sql holding t->text: dir (and its
 * parents) made when missing, an existing file never overwritten (O_EXCL);
 * sep is the newest file's own when it has one. 0 with *path, or -1 (78).
 */
int layout_create_file(const char *dir, const struct migset *set, const char *name, const struct layout_template *t,
		       char **path, struct pgb_error *err);
/* now (seconds since the epoch) in UTC as strftime's fmt writes it: a new string */
char *layout_utc_format(long long now, const char *fmt);
/* mkdir -p dir: 0, or -1 with err (78) */
int layout_make_dirs(const char *dir, struct pgb_error *err);
/* Create path (O_EXCL: never overwritten) holding text: 0, or -1 (78) */
int layout_write_new(const char *path, const char *text, struct pgb_error *err);
/* A file of a new migration: its name in the directory made, its content */
struct layout_new_file {
	const char *name;
	const char *text;
};
/*
 * Create files[0..n) in dir (made with its parents when missing), or in
 * dir/sub when sub is not NULL (a directory that must not exist yet):
 * 0 with *path dir/sub or, without sub, the first file's path; or -1 (78)
 * with nothing left of what this call made.
 */
int layout_create_files(const char *dir, const char *sub, const struct layout_new_file *files, size_t n, char **path,
			struct pgb_error *err);
/* pgboot's own: "-- pgboot:up", "-- pgboot:down", numbered 0001 in an empty directory */
int layout_create_default(const char *dir, const struct migset *set, const char *name, char **path,
			  struct pgb_error *err);
/* The layout that claims the comment line (its markers' prefix: "-- +goose ..."), or NULL. */
const struct layout *layout_claimant(const char *line, size_t n);
/* The layout whose markers the text's first marker line is (a "-- migrate:up" is dbmate's), or NULL. */
const struct layout *layout_of_markers(const char *text, size_t len);

/* ---- what the members share ---------------------------------------------- */

int layout_is_blank(char c); /* ' ' or '\t' */
int layout_is_wsp(char c);   /* Go's unicode.IsSpace for the ASCII the peers' TrimSpace and Fields see */
int layout_starts_with(const char *s, size_t n, const char *w); /* w exactly */
int layout_starts_ci(const char *s, size_t n, const char *w);   /* w in any case */
/* after "word" (any case) and optional blanks, a ':'? Sets *after past it. */
int layout_word_colon(const char *s, size_t n, const char *word, size_t *after);
/* a word w (any case) at s, not followed by a letter or digit */
int layout_word_ci(const char *s, size_t n, const char *w);
/* A whole-comment no-transaction directive (sqlx's, morph's): m set when the text after body, blanks
 * trimmed, is word in any case; elsewhere than the leading block it stays a comment (m->foreign). */
void layout_read_directive(const char *line, size_t n, size_t body, const char *word, struct marker *m);
/* "unrecognized marker "<line>": <why>" with the hint (78): -1 */
int layout_refuse(struct pgb_error *err, const char *line, size_t n, const char *why, const char *hint);

#endif
