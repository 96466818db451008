/* test_lockkey.c: the migration lock's key, a contract between releases. */
#include <sodium.h>

#include "check.h"
#include "lockkey.h"

/*
 * The expected keys come from an independent implementation, Python's
 * hashlib: int.from_bytes(blake2b(("pgboot:" + db + table).encode(),
 * digest_size=32).digest()[:8], "big", signed=True). tests/integration's
 * harness.lock_key computes the same for the scenarios.
 */
TEST(lockkey_matches_blake2b_and_never_changes)
{
	CHECK(sodium_init() >= 0);
	CHECK_INT(lock_key("app", "public.pgboot_migrations"), -3895910499541291978LL);
	CHECK_INT(lock_key("app", "public.other"), -8227721475900343071LL);
	CHECK_INT(lock_key("other", "public.pgboot_migrations"), -7374712450290061227LL);
	CHECK_INT(lock_key("caf\xC3\xA9", "s.t"), -4010062841493265732LL);
}
