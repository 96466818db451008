/* Unit tests: up/down parts, directives, checksums (migfile.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "migfile.h"
#include "xmem.h"

static int load(struct migfile *mf, const char *text, struct pgb_error *err)
{
	memset(mf, 0, sizeof(*mf));
	pgb_error_init(err);
	mf->path = xstrdup("migrations/0001_x.sql");
	mf->name = xstrdup("x");
	return migfile_load(mf, xstrdup(text), strlen(text), err);
}

TEST(migfile_checksum_is_sha256_hex)
{
	char sum[65];
	migfile_checksum("", 0, sum);
	CHECK_STR(sum, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	migfile_checksum("abc", 3, sum);
	CHECK_STR(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(migfile_checksum_folds_crlf)
{
	char a[65], b[65], c[65];
	migfile_checksum("SELECT 1;\r\nSELECT 2;\r\n", 22, a);
	migfile_checksum("SELECT 1;\nSELECT 2;\n", 20, b);
	migfile_checksum("SELECT 1;\rSELECT 2;\n", 20, c);
	CHECK_STR(a, b);
	CHECK(strcmp(b, c) != 0);
}

TEST(migfile_splits_up_and_down)
{
	struct migfile mf;
	struct pgb_error err;
	const char *text = "-- pgboot:up\nCREATE TABLE t (id int);\n-- pgboot:down\nDROP TABLE t;\n";
	CHECK_INT(load(&mf, text, &err), 0);
	CHECK(mf.has_down);
	CHECK_INT(mf.up_len, strlen("-- pgboot:up\nCREATE TABLE t (id int);\n"));
	CHECK_STR(mf.content + mf.down_start, "DROP TABLE t;\n");
	CHECK_INT(mf.down_line, 4);
	char sum[65];
	migfile_checksum(text, mf.up_len, sum);
	CHECK_STR(mf.checksum, sum);
	CHECK(!mf.empty);
	migfile_free(&mf);
	pgb_error_free(&err);
}

TEST(migfile_down_edit_keeps_checksum)
{
	struct migfile a, b;
	struct pgb_error err;
	CHECK_INT(load(&a, "CREATE TABLE t();\n-- pgboot:down\nDROP TABLE t;\n", &err), 0);
	CHECK_INT(load(&b, "CREATE TABLE t();\r\n--   pgboot:down  \r\nDROP TABLE IF EXISTS t;\n", &err), 0);
	CHECK_STR(a.checksum, b.checksum);
	migfile_free(&a);
	migfile_free(&b);
}

TEST(migfile_reads_directives)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- migrate:up transaction:false\nVACUUM;\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- +goose NO TRANSACTION\nVACUUM;\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	/* a directive below the first statement is just a comment */
	CHECK_INT(load(&mf, "SELECT 1;\n-- pgboot:no-transaction\n", &err), 0);
	CHECK(!mf.no_transaction);
	migfile_free(&mf);
}

TEST(migfile_refuses_unknown_directive)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "-- comment\n-- pgboot:no-transactoin\nSELECT 1;\n", &err), -1);
	CHECK_CONTAINS(err.message, "pgboot:no-transactoin");
	CHECK_INT(err.line, 2);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	migfile_free(&mf);
	pgb_error_free(&err);
}

TEST(migfile_refuses_second_down_marker)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "SELECT 1;\n-- pgboot:down\nSELECT 2;\n-- pgboot:down\n", &err), -1);
	CHECK_INT(err.line, 4);
	migfile_free(&mf);
	pgb_error_free(&err);
}

TEST(migfile_refuses_nul_and_invalid_utf8)
{
	struct migfile mf;
	struct pgb_error err;
	memset(&mf, 0, sizeof(mf));
	pgb_error_init(&err);
	mf.path = xstrdup("m.sql");
	char *nul = xmalloc(8);
	memcpy(nul, "a\nb\0c\n", 7);
	CHECK_INT(migfile_load(&mf, nul, 6, &err), -1);
	CHECK_CONTAINS(err.message, "NUL");
	CHECK_INT(err.line, 2);
	migfile_free(&mf);
	pgb_error_free(&err);
	CHECK_INT(load(&mf, "SELECT 'caf\xc3\xa9';\nSELECT '\xff';\n", &err), -1);
	CHECK_CONTAINS(err.message, "UTF-8");
	CHECK_INT(err.line, 2);
	migfile_free(&mf);
	pgb_error_free(&err);
	CHECK_INT(load(&mf, "SELECT '\xc0\xaf';\n", &err), -1); /* overlong */
	migfile_free(&mf);
	pgb_error_free(&err);
	CHECK_INT(load(&mf, "SELECT '\xed\xa0\x80';\n", &err), -1); /* surrogate */
	migfile_free(&mf);
	pgb_error_free(&err);
}

TEST(migfile_empty_files)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "", &err), 0);
	CHECK(mf.empty);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- only for mysql\n/* nested /* comment */ */\n\n", &err), 0);
	CHECK(mf.empty);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- x\n;\n", &err), 0);
	CHECK(!mf.empty);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "\n-- pgboot:down\nDROP TABLE t;\n", &err), 0);
	CHECK(mf.empty);
	migfile_free(&mf);
}
