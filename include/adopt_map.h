/*
 * adopt_map.h: which local version another tool's id stands for, when the
 * id names no local file (Alembic's revisions): `--map REVISION=VERSION`
 * (repeatable; PGBOOT_ADOPT_MAP: entries separated by commas or blanks)
 * and `--map-file FILE` (PGBOOT_ADOPT_MAP_FILE: one REVISION=VERSION a
 * line, blank lines and "#" comments ignored). Pure but for
 * adopt_map_read_file; errors are 78 naming the flag or file:line.
 */
#ifndef PGB_ADOPT_MAP_H
#define PGB_ADOPT_MAP_H

#include <stddef.h>

#include "error.h"

struct adopt_map {
	char **id;      /* the tool's id: "ae1027a6acf" */
	char **version; /* the local version it stands for: "0007" */
	char **origin;  /* where it was said: "--map", "alembic.map:3" */
	size_t n;
};

/*
 * Add the entries of text, said at origin ("--map", "PGBOOT_ADOPT_MAP"):
 * REVISION=VERSION separated by commas or blanks (list = 1), or one a line
 * with "#" comments (list = 0, origin a file: each line's origin is
 * origin:LINE). An id given twice with two versions is refused. 0, or -1
 * with err (78).
 */
int adopt_map_add(struct adopt_map *m, const char *text, const char *origin, int list, struct pgb_error *err);
/* adopt_map_add of a file's text (list = 0). 0, or -1 with err (78: unreadable, or a bad line). */
int adopt_map_read_file(struct adopt_map *m, const char *path, struct pgb_error *err);
/* The version id is mapped to, or NULL; *origin (may be NULL) where it was said. */
const char *adopt_map_find(const struct adopt_map *m, const char *id, const char **origin);
void adopt_map_free(struct adopt_map *m);

#endif
