/*
 * foreign_hash.h: the hashes other tools keep in their history tables that
 * libsodium does not compute, and the arithmetic of their lock keys, for the
 * history readers (history_reader.h): SHA-1 (sqitch's script_hash) and
 * Java's String.hashCode (Flyway's lock key). Flyway's checksum is
 * flyway.h's. Pure: no I/O, so the unit tests pin each against known
 * vectors.
 */
#ifndef PGB_FOREIGN_HASH_H
#define PGB_FOREIGN_HASH_H

#include <stddef.h>
#include <stdint.h>

/* SHA-1 (FIPS 180-4) of len bytes as lowercase hex into out (41 bytes with the NUL) */
void sha1_hex(const void *data, size_t len, char out[41]);

/*
 * Java's String.hashCode of UTF-8 text: s[0]*31^(n-1) + ... over its UTF-16
 * code units, in int arithmetic (it wraps). Invalid UTF-8 bytes count as
 * U+FFFD, as Java's decoder makes them.
 */
int32_t java_string_hash(const char *utf8);

#endif
