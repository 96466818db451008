/*
 * version.h: migration versions. A version is the file name's leading
 * digits, with '_' or '.' allowed between digit groups ("0023", "2025_01",
 * "20251013120000"), compared group by group as numbers of any length. Pure.
 */
#ifndef PGB_VERSION_H
#define PGB_VERSION_H

#include <stddef.h>

#include "error.h"

struct pgb_version {
	char *text;     /* as written: "2025_01" */
	char **groups;  /* digit groups without leading zeros: {"2025", "1"}; "0" stays "0" */
	size_t ngroups;
};

/*
 * Split a file name "0023_round_gateway.sql" into version and name.
 * Returns 1 on success (v and *name filled, owned by the caller), 0 when the
 * name does not end in ".sql" (not a migration: ignore it), -1 with err set
 * (PGB_EXIT_CONFIG) for a ".sql" name that does not match.
 */
int version_parse_filename(const char *filename, struct pgb_version *v, char **name, struct pgb_error *err);
/* Parse a version as stored in the history table. Returns 0, or -1 when malformed. */
int version_parse_text(const char *text, struct pgb_version *v);
/* <0, 0, >0 as a orders before, equal to, after b */
int version_compare(const struct pgb_version *a, const struct pgb_version *b);
void version_free(struct pgb_version *v);

#endif
