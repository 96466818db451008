/*
 * test_foreign_hash.c: SHA-1, Java's String.hashCode, and flyway.h's checksum
 * against vectors of its own.
 * Expected values from independent implementations: Python's hashlib.sha1;
 * zlib.crc32 over the text with the BOM and every "\r" and "\n" removed,
 * taken as a signed int (what Flyway's line-by-line CRC-32 amounts to); a
 * Python String.hashCode over the UTF-16 code units.
 */
#include <string.h>

#include "check.h"
#include "flyway.h"
#include "foreign_hash.h"

static void check_sha1(const char *in, size_t len, const char *want)
{
	char out[41];
	sha1_hex(in, len, out);
	CHECK_STR(out, want);
}

TEST(sha1_known_vectors)
{
	check_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	check_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	char buf[1000];
	memset(buf, 'a', sizeof(buf));
	check_sha1(buf, 1000, "291e9a6c66994949b57ba5e650361e98fc36b1ba");
	/* the padding's edges: 55 bytes fit one block, 56 need two, 64 fill one exactly */
	memset(buf, 'x', sizeof(buf));
	check_sha1(buf, 55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1");
	check_sha1(buf, 56, "901305367c259952f4e7af8323f480d59f81335b");
	check_sha1(buf, 64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163");
}

TEST(flyway_checksum_ignores_line_breaks_and_the_bom)
{
	const char *lf = "CREATE TABLE t (id int);\n";
	CHECK_INT(flyway_checksum(lf, strlen(lf)), 92137680);
	const char *crlf = "\xEF\xBB\xBF" "CREATE TABLE t (id int);\r\n\r\nSELECT 1;\r";
	CHECK_INT(flyway_checksum(crlf, strlen(crlf)), -1645056791);
	const char *same = "CREATE TABLE t (id int);\nSELECT 1;\n";
	CHECK_INT(flyway_checksum(same, strlen(same)), -1645056791);
	CHECK_INT(flyway_checksum("", 0), 0);
}

TEST(java_string_hash_counts_utf16_units)
{
	CHECK_INT(java_string_hash("\"public\".\"flyway_schema_history\""), 2125624436);
	CHECK_INT(java_string_hash("\"caf\xC3\xA9\".\"x\xF0\x9F\x98\x80\""), 595729242);
	CHECK_INT(java_string_hash(""), 0);
}
