/* test_foreign_lock.c: other tools' lock keys and hashes (foreign_lock.h). */
#include <string.h>

#include "check.h"
#include "foreign_lock.h"

/*
 * The expected values come from independent implementations, Python's zlib
 * and hashlib:
 *   crc32:          zlib.crc32(data)
 *   golang-migrate: (zlib.crc32(f"{schema}\0{table}\0{db}".encode()) * 1486364155) & 0xffffffff
 *   sqlx:           0x3d32ad9e * zlib.crc32(db.encode())
 *   sha384:         hashlib.sha384(data).hexdigest()
 */
TEST(foreign_lock_keys_match_independent_computations)
{
	CHECK_INT(crc32_ieee("123456789", 9), 3421780262LL); /* the CRC-32 check value */
	CHECK_INT(golang_migrate_lock_key("app", "public", "schema_migrations"), 1787120056LL);
	CHECK_INT(golang_migrate_lock_key("pgboot_test", "public", "schema_migrations"), 4142343840LL);
	CHECK_INT(golang_migrate_lock_key("caf\xC3\xA9", "s", "t"), 2708672794LL);
	CHECK_INT(sqlx_lock_key("app"), 3469795979745788610LL);
	CHECK_INT(sqlx_lock_key("postgres"), 368907709894077238LL);
	CHECK_INT(sqlx_lock_key("caf\xC3\xA9"), 2629963950898117814LL);
}

TEST(foreign_lock_sha384_matches_hashlib)
{
	char out[97], buf[1000];
	sha384_hex("", 0, out);
	CHECK_STR(out, "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
	sha384_hex("abc", 3, out);
	CHECK_STR(out, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
	/* 111 and 112 bytes: the padding just fits in one block, then needs a second */
	memset(buf, 'a', sizeof(buf));
	sha384_hex(buf, 111, out);
	CHECK_STR(out, "3c37955051cb5c3026f94d551d5b5e2ac38d572ae4e07172085fed81f8466b8f90dc23a8ffcdea0b8d8e58e8fdacc80a");
	sha384_hex(buf, 112, out);
	CHECK_STR(out, "187d4e07cb306103c69967bf544d0dfbe9042577599c73c330abc0cb64c61236d5ed565ee19119d8c31779a38f791fcd");
	memset(buf, 'x', sizeof(buf));
	sha384_hex(buf, 1000, out);
	CHECK_STR(out, "f096805600f4ca46f56b08074af11e7ec1da65cc3a66457c11ae0724d0c2e3912428dbc43d4ebc1cd0d7886109b07580");
}
