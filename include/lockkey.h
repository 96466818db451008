/*
 * lockkey.h: the migration lock's key. Pure: it is a contract between
 * releases (an old and a new pgboot deploying side by side must exclude
 * each other), so it never changes.
 */
#ifndef PGB_LOCKKEY_H
#define PGB_LOCKKEY_H

/*
 * The first 8 bytes, big-endian, as a signed bigint, of the 32-byte
 * libsodium generic hash (BLAKE2b, no key) of "pgboot:" + dbname (the
 * server's current_database()) + history_display (the qualified history
 * table, "public.pgboot_migrations"). Needs sodium_init() first.
 *
 * No separator between dbname and the table is needed: an advisory lock is
 * scoped to its database (pg_locks.database), so only keys computed in the
 * same database can meet, where dbname is one fixed prefix and two different
 * tables always give two different texts.
 */
long long lock_key(const char *dbname, const char *history_display);

#endif
