/*
 * test_layout_scan.c: the directory layouts read names as their tools do
 * (layout_scan.h): a temporary directory per case, read by the member's
 * scan, its versions, names, tool ids, down files and refusals checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "layout.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/pgboot-unit-layout-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* 1 when layout name's detect says dir is its own (why checked, freed) */
static int detects(const char *name, const char *dir)
{
	char *why = NULL;
	struct pgb_error err;
	pgb_error_init(&err);
	int r = layout_find(name)->detect(dir, &why, &err);
	CHECK(r != 1 || why != NULL);
	free(why);
	pgb_error_free(&err);
	return r;
}

/* scan dir as layout name: rc, with set filled (or err) */
static int scan_as(const char *name, const char *dir, struct migset *set, struct pgb_error *err)
{
	const struct layout *l = layout_find(name);
	memset(set, 0, sizeof(*set));
	pgb_error_init(err);
	return l && l->scan ? l->scan(dir, set, err) : -2;
}

TEST(layout_golang_migrate_names)
{
	char *d = tmpdir();
	put(d, "0001_a.up.b.up.sql", "CREATE TABLE a (id int);\n");
	put(d, "0001_a.up.b.down.sql", "DROP TABLE a;\n");
	put(d, "10_ten.up.sql", "SELECT 10;\n");
	put(d, "9_nine.up.sql", "CREATE INDEX CONCURRENTLY i ON a (id);\n");
	put(d, "README.md", "x");
	struct migset s;
	struct pgb_error e;
	CHECK_INT(detects("golang-migrate", d), 1);
	CHECK_INT(detects("pop", d), 0); /* plain up/down files are golang-migrate's, not pop's too */
	CHECK_INT(scan_as("golang-migrate", d, &s, &e), 0);
	CHECK_INT((int)s.n, 3);
	if (s.n == 3) {
		CHECK_STR(s.files[0].version.text, "0001");
		CHECK_STR(s.files[0].name, "a.up.b"); /* the name is greedy: the last ".up." */
		CHECK_STR(s.files[0].tool_id, "1");   /* golang-migrate's uint */
		CHECK(s.files[0].down_path && strstr(s.files[0].down_path, "0001_a.up.b.down.sql"));
		CHECK_STR(s.files[1].version.text, "9"); /* as numbers: 9 before 10 */
		CHECK(s.files[1].no_transaction);        /* a lone concurrent index: outside a transaction */
		CHECK(s.files[1].tool_id == NULL);
		CHECK_STR(s.files[2].version.text, "10");
	}
	migset_free(&s);
	pgb_error_free(&e);
	put(d, "11_orphan.down.sql", "SELECT 1;");
	CHECK_INT(scan_as("golang-migrate", d, &s, &e), -1);
	CHECK_CONTAINS(e.message, "11_orphan.down.sql");
	pgb_error_free(&e);
	rm_rf(d);
	free(d);
}

TEST(layout_pop_names)
{
	char *d = tmpdir();
	put(d, "20240101000001_users.up.sql", "SELECT 'all';\n");
	put(d, "20240101000001_users.pg.up.sql", "SELECT 'pg';\n");
	put(d, "20240101000001_users.mysql.up.sql", "not postgres\n");
	put(d, "20240101000002_more.up.sql", "SELECT 1;\n");
	struct migset s;
	struct pgb_error e;
	CHECK_INT(detects("pop", d), 1); /* a dialect in a name */
	CHECK_INT(detects("golang-migrate", d), 0);
	CHECK_INT(scan_as("pop", d, &s, &e), 0);
	CHECK_INT((int)s.n, 2);
	if (s.n == 2) {
		CHECK_CONTAINS(s.files[0].content, "'pg'"); /* the postgres file before the one for all */
		CHECK_STR(s.files[0].name, "users");
	}
	migset_free(&s);
	pgb_error_free(&e);
	put(d, "20240101000003_t.up.sql", "SELECT 1;\n\nSELECT {{ .X }};\n");
	CHECK_INT(scan_as("pop", d, &s, &e), -1);
	CHECK_CONTAINS(e.message, "line 3");
	pgb_error_free(&e);
	rm_rf(d);
	free(d);
}

TEST(layout_diesel_and_prisma_names)
{
	char *d = tmpdir();
	put(d, "00000000000000_diesel_initial_setup/up.sql", "SELECT 0;\n");
	put(d, "2022-10-23-135826_users/up.sql", "SELECT 1;\n");
	put(d, "2022-10-23-135826_users/down.sql", "SELECT 2;\n");
	put(d, "2022-10-24-000000_idx/up.sql", "SELECT 3;\n");
	put(d, "2022-10-24-000000_idx/metadata.toml", "run_in_transaction = false\n");
	struct migset s;
	struct pgb_error e;
	CHECK_INT(detects("diesel", d), 1);
	CHECK_INT(detects("prisma", d) + detects("golang-migrate", d) + detects("goose", d), 0);
	CHECK_INT(scan_as("diesel", d, &s, &e), 0);
	CHECK_INT((int)s.n, 3);
	if (s.n == 3) {
		CHECK_STR(s.files[0].version.text, "00000000000000");
		CHECK_STR(s.files[1].version.text, "20221023135826");
		CHECK_STR(s.files[1].name, "users");
		CHECK(migfile_has_down(&s.files[1]) && !migfile_has_down(&s.files[2]));
		CHECK(s.files[2].no_transaction && !s.files[1].no_transaction);
	}
	migset_free(&s);
	pgb_error_free(&e);
	rm_rf(d);
	free(d);
	d = tmpdir();
	put(d, "migration_lock.toml", "provider = \"postgresql\"\n");
	put(d, "20240101120000_init/migration.sql", "SELECT 1;\n");
	CHECK_INT(detects("prisma", d), 1);
	CHECK_INT(detects("diesel", d), 0);
	CHECK_INT(scan_as("prisma", d, &s, &e), 0);
	CHECK_INT((int)s.n, 1);
	if (s.n == 1) {
		CHECK_STR(s.files[0].version.text, "20240101120000");
		CHECK_STR(s.files[0].tool_id, "20240101120000_init");
	}
	migset_free(&s);
	pgb_error_free(&e);
	rm_rf(d);
	free(d);
}

TEST(layout_goose_and_sql_migrate_names)
{
	char *d = tmpdir();
	put(d, "20240101_0001_x.sql", "-- +goose Up\nSELECT 1;\n");
	struct migset s;
	struct pgb_error e;
	CHECK_INT(detects("goose", d), 1);
	CHECK_INT(detects("dbmate", d) + detects("sql-migrate", d), 0);
	CHECK_INT(scan_as("goose", d, &s, &e), 0);
	if (s.n == 1) {
		CHECK_STR(s.files[0].version.text, "20240101"); /* the number before the first '_' */
		CHECK_STR(s.files[0].name, "0001_x");
	}
	migset_free(&s);
	pgb_error_free(&e);
	CHECK_INT(scan_as("sql-migrate", d, &s, &e), 0);
	if (s.n == 1)
		CHECK_STR(s.files[0].tool_id, "20240101_0001_x.sql"); /* sql-migrate's id is the file name */
	migset_free(&s);
	pgb_error_free(&e);
	put(d, "0_zero.sql", "SELECT 1;\n");
	CHECK_INT(scan_as("goose", d, &s, &e), -1);
	CHECK_CONTAINS(e.message, "0_zero.sql");
	pgb_error_free(&e);
	rm_rf(d);
	free(d);
}

/* between layout_detect_begin and _end the marker files are read once per directory, never another's */
TEST(layout_detect_markers_memo)
{
	char *a = tmpdir(), *b = tmpdir();
	put(a, "0001_x.sql", "-- migrate:up\nSELECT 1;\n");
	put(b, "0001_x.sql", "-- +goose Up\nSELECT 1;\n");
	layout_detect_begin();
	CHECK_INT(detects("dbmate", a), 1);
	CHECK_INT(detects("goose", a) + detects("sql-migrate", a), 0);
	CHECK_INT(detects("goose", b), 1); /* another directory: read, not a's answer */
	CHECK_INT(detects("dbmate", b), 0);
	layout_detect_end();
	put(b, "0001_x.sql", "-- migrate:up\nSELECT 1;\n");
	CHECK_INT(detects("dbmate", b), 1); /* after end: read again */
	rm_rf(a);
	rm_rf(b);
	free(a);
	free(b);
}
