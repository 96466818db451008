/* Unit tests: up/down parts, directives, checksums (migfile.c). */
#include <stdio.h>
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
	CHECK(migfile_has_down(&mf));
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
	/* a directive below the first statement would not apply: refused, not ignored */
	CHECK_INT(load(&mf, "SELECT 1;\n-- pgboot:no-transaction\n", &err), -1);
	CHECK_CONTAINS(err.message, "must be at the top");
	CHECK_INT(err.line, 2);
	migfile_free(&mf);
	pgb_error_free(&err);
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

/* ---- markers: each family read as its tool reads it (issue 10, section 4) ---- */

/* load text, expecting success; up and down are the parts pgboot will use */
static int parts(struct migfile *mf, const char *text, char **up, char **down)
{
	struct pgb_error err;
	int r = load(mf, text, &err);
	if (r != 0) {
		fprintf(stderr, "    load failed: %s\n", err.message ? err.message : "?");
		pgb_error_free(&err);
		*up = *down = NULL;
		return r;
	}
	*up = xstrndup(mf->content, mf->up_len);
	*down = migfile_has_down(mf) ? xstrndup(mf->content + mf->down_start, mf->len - mf->down_start) : xstrdup("");
	return 0;
}

/* the up part holds CREATE and not DROP, the down part DROP */
static void expect_split(const char *text, const char *down_text)
{
	struct migfile mf;
	char *up, *down;
	CHECK_INT(parts(&mf, text, &up, &down), 0);
	if (!up)
		return;
	CHECK(migfile_has_down(&mf));
	CHECK(strstr(up, "CREATE TABLE t") != NULL);
	CHECK(strstr(up, "DROP") == NULL);
	CHECK_STR(down, down_text);
	free(up);
	free(down);
	migfile_free(&mf);
}

/* loading text fails with 78 on line `line`, the message naming `what` */
static void expect_refused(const char *text, int line, const char *what)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, text, &err), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_INT(err.line, line);
	CHECK_STR(err.file, "migrations/0001_x.sql");
	if (err.message)
		CHECK_CONTAINS(err.message, what);
	migfile_free(&mf);
	pgb_error_free(&err);
}

TEST(migfile_observed_down_markers_split_the_file)
{
	/* each of these once ran its down part inside the up part, exit 0 */
	expect_split("-- migrate:up\nCREATE TABLE t ();\n-- migrate:down transaction:false\nDROP TABLE t;\n",
		     "DROP TABLE t;\n");
	expect_split("CREATE TABLE t ();\n-- pgboot: down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("CREATE TABLE t ();\n-- pgboot:down -- a note\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("-- +migrate Up\nCREATE TABLE t ();\n-- +migrate  Down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("-- +migrate Up\nCREATE TABLE t ();\n-- +migrate Down notransaction\nDROP TABLE t;\n",
		     "DROP TABLE t;\n");
}

TEST(migfile_goose_down_with_trailing_text_is_refused)
{
	/* goose itself refuses it ("not supported"): a near miss, never a comment */
	expect_refused("-- +goose Up\nCREATE TABLE t ();\n-- +goose Down  -- text\nDROP TABLE t;\n", 3,
		       "-- +goose Down  -- text");
}

TEST(migfile_sql_migrate_down_section_first)
{
	const char *text = "-- +migrate Down\nDROP TABLE t;\n\n-- +migrate Up\nCREATE TABLE t (id int);\nSELECT 1;\n";
	struct migfile mf;
	char *up, *down;
	CHECK_INT(parts(&mf, text, &up, &down), 0);
	if (!up)
		return;
	/* the up part keeps every line where it was: line 5 is still CREATE */
	CHECK_STR(up, "\n\n\n-- +migrate Up\nCREATE TABLE t (id int);\nSELECT 1;\n");
	CHECK_STR(down, "DROP TABLE t;\n\n");
	CHECK(!mf.empty);
	CHECK_INT(mf.down_line, 2);
	/* the checksum is the up section's text: what goes before it does not count */
	char sum[65];
	const char *up_section = "-- +migrate Up\nCREATE TABLE t (id int);\nSELECT 1;\n";
	migfile_checksum(up_section, strlen(up_section), sum);
	CHECK_STR(mf.checksum, sum);
	free(up);
	free(down);
	migfile_free(&mf);
	/* editing the down section (even its line count) is not drift */
	struct migfile other;
	CHECK_INT(parts(&other, "-- +migrate Down\nDROP TABLE IF EXISTS t;\nDROP TYPE x;\n\n\n-- +migrate Up\n"
				"CREATE TABLE t (id int);\nSELECT 1;\n", &up, &down), 0);
	CHECK_STR(other.checksum, sum);
	free(up);
	free(down);
	migfile_free(&other);
}

TEST(migfile_alternating_sections)
{
	struct migfile mf;
	char *up, *down;
	CHECK_INT(parts(&mf, "-- +migrate Up\nCREATE TABLE t ();\n-- +migrate Down\nDROP TABLE t;\n"
			     "-- +migrate Up\nCREATE TABLE u ();\n-- +migrate Down\nDROP TABLE u;\n", &up, &down), 0);
	if (!up)
		return;
	CHECK_STR(up, "-- +migrate Up\nCREATE TABLE t ();\n\n\n-- +migrate Up\nCREATE TABLE u ();\n");
	CHECK_STR(down, "DROP TABLE t;\nDROP TABLE u;\n");
	free(up);
	free(down);
	migfile_free(&mf);
}

TEST(migfile_directive_after_block_comment_header)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "/*\n * Licensed under the MIT licence.\n */\n\n-- pgboot:no-transaction\n"
			    "CREATE INDEX CONCURRENTLY i ON t (a);\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- a\n/* b */ /* c\n*/\n-- pgboot:idempotent\nSELECT 1;\n", &err), 0);
	CHECK(mf.idempotent);
	migfile_free(&mf);
	/* sqlx's and morph's directives below a statement stay comments, as before */
	CHECK_INT(load(&mf, "SELECT 1;\n-- no-transaction\n", &err), 0);
	CHECK(!mf.no_transaction);
	migfile_free(&mf);
	expect_refused("SELECT 1;\n\n-- pgboot:idempotent\n", 3, "must be at the top");
	expect_refused("-- +migrate Down\nDROP TABLE t;\n-- pgboot:no-transaction\n", 3, "must be at the top");
}

TEST(migfile_down_part_no_transaction)
{
	struct migfile mf;
	struct pgb_error err;
	/* right after the down marker: the down part's own, kept in its text; the up part stays atomic */
	const char *f = "CREATE INDEX i ON t (a);\n-- pgboot:down\n\n-- pgboot:no-transaction\nDROP INDEX CONCURRENTLY i;\n";
	CHECK_INT(load(&mf, f, &err), 0);
	CHECK(!mf.no_transaction);
	CHECK(migfile_down_no_transaction(mf.content + mf.down_start, mf.len - mf.down_start));
	migfile_free(&mf);
	CHECK(!migfile_down_no_transaction("DROP TABLE t;\n", strlen("DROP TABLE t;\n")));
	const char *nt = "DROP TABLE t;\n-- pgboot:no-transaction\n", *quoted = "SELECT '\n-- pgboot:no-transaction\n';\n";
	CHECK(!migfile_down_no_transaction(nt, strlen(nt)));
	CHECK(!migfile_down_no_transaction(quoted, strlen(quoted)));
	/* below the down part's first statement: refused, as today */
	expect_refused("SELECT 1;\n-- pgboot:down\nSELECT 1;\n-- pgboot:no-transaction\n", 4, "must be at the top");
}

TEST(migfile_pgboot_grammar)
{
	/* any case, indented, blanks around the colon, a trailing "--" comment */
	expect_split("CREATE TABLE t ();\n-- PGBOOT:DOWN\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("CREATE TABLE t ();\n  --pgboot : down\t\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("CREATE TABLE t ();\r\n-- pgboot:down -- why\r\nDROP TABLE t;\r\n", "DROP TABLE t;\r\n");
	expect_split("-- pgboot: Up\nCREATE TABLE t ();\n-- pgboot:down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	/* a down marker anywhere counts, not just in the leading block */
	expect_refused("SELECT 1;\n-- pgboot:dwon\nDROP TABLE t;\n", 2, "not a pgboot directive");
	expect_refused("SELECT 1;\n-- pgboot:down now\nDROP TABLE t;\n", 2, "unexpected text");
	expect_refused("-- pgboot:\nSELECT 1;\n", 1, "not a pgboot directive");
	/* prose that does not name a tool's marker prefix is a comment */
	struct migfile mf;
	char *up, *down;
	CHECK_INT(parts(&mf, "-- pgboot down the line\n-- Migrate: move rows\n-- Migrate: update names\nSELECT 1;\n",
			&up, &down), 0);
	CHECK(!migfile_has_down(&mf));
	free(up);
	free(down);
	migfile_free(&mf);
}

TEST(migfile_dbmate_grammar)
{
	struct migfile mf;
	struct pgb_error err;
	expect_split("--migrate:up\nCREATE TABLE t ();\n--migrate:down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("-- migrate:up\nCREATE TABLE t ();\n-- migrate:down -- rollback\nDROP TABLE t;\n",
		     "DROP TABLE t;\n");
	CHECK_INT(load(&mf, "-- migrate:up  transaction:false\nVACUUM;\n-- migrate:down\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- migrate:up transaction:true\nSELECT 1;\n", &err), 0);
	CHECK(!mf.no_transaction);
	migfile_free(&mf);
	/* dbmate would not read these as markers: its down part would run in the up */
	expect_refused("-- migrate:up\nSELECT 1;\n-- migrate:Down\n", 3, "dbmate");
	expect_refused("-- migrate:up\nSELECT 1;\n-- migrate: down\n", 3, "dbmate");
	expect_refused("-- migrate:up\nSELECT 1;\n-- MIGRATE : DOWN\n", 3, "dbmate");
	expect_refused("-- migrate:up\nSELECT 1;\n  -- migrate:down\n", 3, "start");
	expect_refused("-- migrate:up\nSELECT 1;\n-- migrate:downgrade\n", 3, "dbmate");
	/* an option pgboot cannot honour, or a misspelt one, is an error */
	expect_refused("-- migrate:up transaction:FALSE\nSELECT 1;\n", 1, "option");
	expect_refused("-- migrate:up transactions:false\nSELECT 1;\n", 1, "option");
}

TEST(migfile_goose_grammar)
{
	struct migfile mf;
	struct pgb_error err;
	expect_split("-- +goose up\nCREATE TABLE t ();\n-- +goose down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("--+goose Up\nCREATE TABLE t ();\n--   +goose   DOWN  \nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("-- +goose Up\nCREATE TABLE t ();\n-- +goose Down                                                      "
		     "                                \nDROP TABLE t;\n", "DROP TABLE t;\n");
	expect_split("-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE t ();\n-- +goose StatementEnd\n"
		     "-- +goose Down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	/* goose honours NO TRANSACTION wherever it is */
	CHECK_INT(load(&mf, "-- +goose Up\nSELECT 1;\n-- +goose NO TRANSACTION\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	CHECK_INT(load(&mf, "-- +goose ENVSUB OFF\n-- +goose Up\nSELECT 1;\n", &err), 0);
	migfile_free(&mf);
	expect_refused("-- +goose Up\nSELECT 1;\n-- +GOOSE Down\n", 3, "lower case");
	expect_refused("-- +goose Up\nSELECT 1;\n  -- +goose Down\n", 3, "indented");
	expect_refused("-- +goose Up\nSELECT 1;\n-- +goose Dwn\n", 3, "not a goose annotation");
	expect_refused("-- +goose NO  TRANSACTION\n-- +goose Up\nSELECT 1;\n", 1, "not a goose annotation");
	expect_refused("-- +goose Up -- +goose Down\n", 1, "two annotations");
	expect_refused("-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${X}';\n", 1, "environment variables");
}

TEST(migfile_sql_migrate_grammar)
{
	struct migfile mf;
	struct pgb_error err;
	expect_split("-- +migrate Up\nCREATE TABLE t ();\n-- +migrate Down -- note\nDROP TABLE t;\n",
		     "DROP TABLE t;\n");
	expect_split("-- +migrate Up\n-- +migrate StatementBegin\nCREATE TABLE t ();\n-- +migrate StatementEnd\n"
		     "-- +migrate Down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	CHECK_INT(load(&mf, "-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
	/* sql-migrate ignores these silently and would run the down part as up */
	expect_refused("-- +migrate Up\nSELECT 1;\n-- +migrate down\n", 3, "not a sql-migrate command");
	expect_refused("-- +migrate Up\nSELECT 1;\n--+migrate Down\n", 3, "-- +migrate ");
	expect_refused("-- +migrate Up\nSELECT 1;\n -- +migrate Down\n", 3, "-- +migrate ");
	expect_refused("-- +Migrate Up\nSELECT 1;\n", 1, "-- +migrate ");
	expect_refused("-- +migrate \nSELECT 1;\n", 1, "incomplete");
	expect_refused("-- +migrate Up no-transaction\nSELECT 1;\n", 1, "option");
}

TEST(migfile_markers_inside_literals_are_text)
{
	struct migfile mf;
	char *up, *down;
	const char *texts[] = {
		"SELECT '\n-- pgboot:down\n';\n",
		"DO $$\nBEGIN\n-- +goose Down\nEND\n$$;\n",
		"CREATE FUNCTION f() RETURNS int AS $body$\n-- +migrate Down\nSELECT 1 $body$ LANGUAGE sql;\n",
		"/* a note\n-- migrate:down\n*/\nSELECT 1;\n",
		"SELECT \"a\n-- pgboot:down\" FROM t;\n",
		"SELECT E'\\'\n-- pgboot:down\n';\n",
		/* near misses inside them are not refused either */
		"SELECT '\n-- +goose Dwn\n-- pgboot:nonsense\n';\n",
		/* a comment after code on its line is no marker */
		"SELECT 1; -- pgboot:down\nSELECT 2;\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CHECK_INT(parts(&mf, texts[i], &up, &down), 0);
		if (!up)
			continue;
		CHECK(!migfile_has_down(&mf));
		CHECK_INT(mf.up_len, strlen(texts[i]));
		free(up);
		free(down);
		migfile_free(&mf);
	}
}

TEST(migfile_unterminated_quote_hiding_a_marker_is_refused)
{
	/* the lexer would see the Up marker inside the quote and lose the up part */
	expect_refused("-- +migrate Down\nDROP TABLE \"t;\n-- +migrate Up\nCREATE TABLE t ();\n", 2, "unterminated");
	/* with no marker behind it, the split of the up part reports it later, as before */
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "CREATE TABLE t ();\n-- pgboot:down\nDROP TABLE 't;\n", &err), 0);
	migfile_free(&mf);
}

TEST(migfile_marker_after_bom)
{
	expect_split("\xEF\xBB\xBF-- +goose Up\nCREATE TABLE t ();\n-- +goose Down\nDROP TABLE t;\n", "DROP TABLE t;\n");
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "\xEF\xBB\xBF-- pgboot:no-transaction\nVACUUM;\n", &err), 0);
	CHECK(mf.no_transaction);
	migfile_free(&mf);
}

/* ---- a check file's "-- pgboot:requires VERSION" ---- */

static int directives(const char *text, struct pgb_version **req, size_t *n, struct pgb_error *err)
{
	pgb_error_init(err);
	*req = NULL;
	*n = 0;
	return checkfile_directives("verify/010_x.sql", text, strlen(text), req, n, err);
}

static void free_requires(struct pgb_version *req, size_t n)
{
	for (size_t i = 0; i < n; i++)
		version_free(&req[i]);
	free(req);
}

TEST(checkfile_reads_requires)
{
	struct pgb_version *req;
	size_t n;
	struct pgb_error err;
	const char *text = "\xef\xbb\xbf-- pgboot:requires 0003\n/* header */\n  -- PgBoot : Requires 2025_01 -- why\n"
			   "-- an ordinary comment\n-- no-transaction\nSELECT 1 -- pgboot:requires x\n"
			   "  , '\n-- pgboot:requires y' WHERE false;\n";
	CHECK_INT(directives(text, &req, &n, &err), 0);
	CHECK_INT((long long)n, 2);
	CHECK_STR(req[0].text, "0003");
	CHECK_STR(req[1].text, "2025_01");
	free_requires(req, n);
	CHECK_INT(directives("SELECT 1 WHERE false;\n", &req, &n, &err), 0);
	CHECK_INT((long long)n, 0);
	free_requires(req, n);
	pgb_error_free(&err);
}

TEST(checkfile_refuses_bad_directives)
{
	static const struct {
		const char *text, *needle;
		int line;
	} cases[] = {
		{"-- pgboot:requires 00x3\nSELECT 1;\n", "00x3", 1},
		{"-- a\n-- pgboot:requires\nSELECT 1;\n", "names no version", 2},
		{"-- pgboot:requires 1 2\nSELECT 1;\n", "unexpected text", 1},
		{"\n\n-- pgboot:require 1\nSELECT 1;\n", "pgboot:require 1", 3},
		{"-- pgboot:no-transaction\nSELECT 1;\n", "not understood in a check file", 1},
		{"-- +goose Up\nSELECT 1;\n", "not understood in a check file", 1},
		{"SELECT 1;\n-- pgboot:requires 0001\n", "must be at the top", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgb_version *req;
		size_t n;
		struct pgb_error err;
		CHECK_INT(directives(cases[i].text, &req, &n, &err), -1);
		CHECK_CONTAINS(err.message, cases[i].needle);
		CHECK_INT(err.line, cases[i].line);
		CHECK_INT(err.code, PGB_EXIT_CONFIG);
		CHECK_STR(err.file, "verify/010_x.sql");
		pgb_error_free(&err);
	}
}

TEST(migfile_refuses_requires)
{
	struct migfile mf;
	struct pgb_error err;
	CHECK_INT(load(&mf, "-- pgboot:requires 0001\nSELECT 1;\n", &err), -1);
	CHECK_CONTAINS(err.message, "belongs in a check file");
	CHECK_INT(err.line, 1);
	migfile_free(&mf);
	pgb_error_free(&err);
}
