/*
 * flyway.h: what pgboot knows of Flyway's SQL migrations, as flyway-core
 * reads them: the name grammar (ResourceNameParser, MigrationVersion), the
 * version order, and the checksum its history keeps (ChecksumCalculator).
 * Pure: no I/O. The layout member itself (src/layouts/flyway.c) reads the
 * directories with these.
 */
#ifndef PGB_FLYWAY_H
#define PGB_FLYWAY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum flyway_kind {
	FLYWAY_VERSIONED,  /* V<version>__<description>.sql */
	FLYWAY_UNDO,       /* U<version>__<description>.sql (Flyway Teams' undo) */
	FLYWAY_BASELINE,   /* B<version>__<description>.sql */
	FLYWAY_REPEATABLE, /* R__<description>.sql */
	FLYWAY_CALLBACK    /* beforeMigrate.sql, afterMigrate__x.sql ...: an event's callback */
};

struct flyway_name {
	enum flyway_kind kind;
	char *version;     /* as Flyway writes it in its history: '_' made '.' ("1_1" -> "1.1"); NULL for R__ and callbacks */
	char *description; /* the text after "__", each '_' a space, as Flyway's history has it */
};

/*
 * Read a file name as Flyway's ResourceNameParser does with the default
 * prefixes (V, U, B, R, and the callback events, longest first, case as
 * written), separator "__" (its first occurrence) and suffix ".sql".
 * Returns 1 with out filled (free with flyway_name_free), 0 for a name that
 * is not Flyway's (no ".sql" suffix, or no prefix: Flyway ignores it), -1
 * with err (78) for a name with a prefix that Flyway finds invalid (a
 * version that is not digits separated by '.' or '_', a versioned name
 * without a version, a repeatable one with a version), and for a ".sql" name
 * starting with a digit (pgboot's: Flyway would skip it without a word).
 */
int flyway_parse_name(const char *fname, struct flyway_name *out, struct pgb_error *err);
void flyway_name_free(struct flyway_name *n);

/*
 * MigrationVersion.compareTo of two versions as flyway_parse_name gives
 * them: part by part as numbers of any length, a missing part counting as
 * 0, so "1.0" equals "1" and "1.10" comes after "1.9". <0, 0, >0.
 */
int flyway_version_compare(const char *a, const char *b);

/*
 * Flyway's checksum of a SQL file, as its history's checksum column holds
 * it: one CRC-32 over the UTF-8 bytes of every line (a BOM at the start
 * dropped, the line breaks "\n", "\r\n" and "\r" left out), as a signed
 * 32-bit integer.
 */
int32_t flyway_checksum(const char *data, size_t len);

#endif
