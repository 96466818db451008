/*
 * foreign_lock.h: the arithmetic of other tools' advisory lock keys and
 * hashes that pgboot recomputes when it adopts their history (history_reader.h):
 * CRC-32 (IEEE / ISO-HDLC, the zlib one), golang-migrate's and sqlx's lock
 * keys, and SHA-384 (sqlx's checksum; libsodium has none). Pure: no I/O, no
 * server, so the unit tests pin each against values computed independently.
 */
#ifndef PGB_FOREIGN_LOCK_H
#define PGB_FOREIGN_LOCK_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32/ISO-HDLC of len bytes: Go's crc32.ChecksumIEEE, Rust's crc::CRC_32_ISO_HDLC, zlib's crc32 */
uint32_t crc32_ieee(const void *data, size_t len);

/*
 * golang-migrate (database/util.go GenerateAdvisoryLockId, called by
 * database/postgres/postgres.go with the database, the migrations schema and
 * table): crc32 of "schema\0table\0db" (the additional names first, the database
 * last: strings.Join(append(additionalNames, databaseName), "\x00")) times 1486364155, in uint32
 * arithmetic (it wraps), passed to pg_advisory_lock as that unsigned value.
 */
long long golang_migrate_lock_key(const char *database, const char *schema, const char *table);

/*
 * sqlx (sqlx-postgres/src/migrate.rs generate_lock_id): 0x3d32ad9e times the
 * crc32 of current_database(), in i64 (both factors are below 2^32 and
 * 2^30, so the product never wraps).
 */
long long sqlx_lock_key(const char *database);

/* SHA-384 of len bytes as lowercase hex into out (97 bytes with the NUL) */
void sha384_hex(const void *data, size_t len, char out[97]);

#endif
