/*
 * test_node_pg_migrate.c: node-pg-migrate's markers as its regexes find them
 * (/^\s*--[\s-]*up\s+migration/im, sqlMigration.js), and the layouts'
 * scanners (drizzle, node-pg-migrate) on small directories: order, versions,
 * history ids, the up and down parts.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "layout.h"
#include "node_pg_migrate.h"
#include "xmem.h"

/* the offset of the first match, or -1 */
static long find(const char *s, const char *word)
{
	struct npm_marker m;
	return npm_find_marker(s, strlen(s), word, &m) ? (long)m.start : -1;
}

TEST(node_pg_migrate_markers_as_its_regex_finds_them)
{
	CHECK_INT(find("-- Up Migration\nSELECT 1;\n", "up"), 0);
	CHECK_INT(find("-- Up Migration\nSELECT 1;\n", "down"), -1);
	CHECK_INT(find("SELECT 1;\n-- Down Migration\n", "down"), 10);
	CHECK_INT(find("SELECT 1;\n  ---- DOWN \t MIGRATIONS below\n", "down"), 10); /* case, dashes, any tail */
	CHECK_INT(find("--up migration\n", "up"), 0);                                  /* no blank needed after -- */
	CHECK_INT(find("-- upmigration\n", "up"), -1);                                 /* \s+ needs one */
	CHECK_INT(find("SELECT 1; -- down migration\n", "down"), -1);                  /* ^\s* before the -- */
	CHECK_INT(find("-- setup migration\n", "up"), -1);
	CHECK_INT(find("SELECT 1;\n\n\n-- Down Migration\n", "down"), 10);             /* \s* spans the blank lines */
	CHECK_INT(find("SELECT 1;\r-- Down Migration\n", "down"), 10);                 /* \r starts a line too */
	CHECK_INT(find("x\n--\xc2\xa0up\xe3\x80\x80migration\n", "up"), 2);            /* JavaScript's \s: U+00A0, U+3000 */
	CHECK_INT(find("x\n-- up\nmigration\n", "up"), 2);                             /* \s+ spans a line: the scanner refuses it */
	CHECK_INT(find("-- Up Migration\n-- Up Migration\n", "up"), 0);                /* the first only */
	CHECK_INT(find("$$\n-- down migration\n$$", "down"), 3);                       /* quotes mean nothing to a regex */
}

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/pgboot-unit-XXXXXX");
	CHECK(mkdtemp(d) != NULL);
	return d;
}

static void put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(p);
}

static void rmtree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
	free(cmd);
}

static int scan(const char *layout, const char *dir, struct migset *set, struct pgb_error *err)
{
	const struct layout *l = layout_find(layout);
	CHECK(l && l->scan && l->detect);
	memset(set, 0, sizeof(*set));
	pgb_error_init(err);
	return l->scan(dir, set, err);
}

TEST(node_pg_migrate_scan_orders_splits_and_names)
{
	char *d = tmpdir();
	put(d, "1700000000000_b.sql", "-- Up Migration\nCREATE TABLE b ();\n-- Down Migration\nDROP TABLE b;\n");
	put(d, "900_a.sql", "-- header\n-- Down Migration\nDROP TABLE a;\n\n-- Up Migration\nCREATE TABLE a ();\n");
	put(d, "20231115000000000_c.sql", "CREATE TABLE c ();\n");
	put(d, ".keep", "");
	char *sub = xasprintf("%s/sub", d); /* a directory: node-pg-migrate does not read it */
	CHECK_INT(mkdir(sub, 0755), 0);
	put(sub, "1_x.sql", "SELECT 1;\n");
	free(sub);
	struct migset set;
	struct pgb_error err;
	CHECK_INT(scan("node-pg-migrate", d, &set, &err), 0);
	CHECK_INT(set.n, 3);
	if (set.n == 3) {
		CHECK_STR(set.files[0].version.text, "900");
		CHECK_STR(set.files[0].tool_id, "900_a");
		CHECK_STR(set.files[0].name, "a");
		/* down first: the down part ends where the up match starts (its \s* took the blank line);
		   the up part keeps its lines (the statement is on line 6) */
		CHECK_STR(set.files[0].content + set.files[0].down_start, "DROP TABLE a;\n");
		CHECK_INT(set.files[0].down_line, 3);
		CHECK(strstr(set.files[0].content, "CREATE TABLE a ();") != NULL);
		CHECK_INT(set.files[0].up_len, 4 + strlen("-- Up Migration\nCREATE TABLE a ();\n"));
		CHECK_STR(set.files[1].tool_id, "1700000000000_b");
		CHECK_STR(set.files[1].content + set.files[1].down_start, "DROP TABLE b;\n");
		CHECK_INT(set.files[1].down_line, 4);
		CHECK_STR(set.files[2].version.text, "20231115000000000");
		CHECK(!migfile_has_down(&set.files[2]));
		migset_free(&set);
	}
	/* a 17-digit name is a UTC time: 20231115000000000 is 1700006400000 ms, before this one */
	put(d, "1700006400001_d.sql", "SELECT 1;\n");
	CHECK_INT(scan("node-pg-migrate", d, &set, &err), -1);
	CHECK_CONTAINS(err.message, "against their numbers");
	pgb_error_free(&err);
	char *why = NULL;
	CHECK_INT(layout_find("node-pg-migrate")->detect(d, &why, &err), 1);
	CHECK_CONTAINS(why, "-- Up Migration");
	free(why);
	rmtree(d);
	free(d);
}

TEST(drizzle_scan_reads_the_journal)
{
	char *d = tmpdir();
	char *meta = xasprintf("%s/meta", d);
	CHECK_INT(mkdir(meta, 0755), 0);
	put(meta, "_journal.json",
	    "{\"version\":\"7\",\"dialect\":\"postgresql\",\"entries\":[\n"
	    "{\"idx\":0,\"version\":\"7\",\"when\":1700000000000,\"tag\":\"0000_first\",\"breakpoints\":true},\n"
	    "{\"idx\":1,\"version\":\"7\",\"when\":1700000000500,\"tag\":\"0001_second\",\"breakpoints\":false}]}\n");
	put(d, "0000_first.sql", "CREATE TABLE a (id int);--> statement-breakpoint\nCREATE TABLE b (id int);\n");
	put(d, "0001_second.sql", "ALTER TABLE a ADD COLUMN x int;");
	struct migset set;
	struct pgb_error err;
	CHECK_INT(scan("drizzle", d, &set, &err), 0);
	CHECK_INT(set.n, 2);
	if (set.n == 2) {
		CHECK_STR(set.files[0].version.text, "0000");
		CHECK_STR(set.files[0].name, "first");
		CHECK_STR(set.files[0].tool_id, "1700000000000");
		CHECK_STR(set.files[1].tool_id, "1700000000500");
		CHECK(!migfile_has_down(&set.files[1]));
		migset_free(&set);
	}
	char *why = NULL;
	CHECK_INT(layout_find("drizzle")->detect(d, &why, &err), 1);
	CHECK_STR(why, "meta/_journal.json exists");
	free(why);
	CHECK_INT(layout_find("drizzle")->detect(meta, &why, &err), 0);
	/* the same number twice */
	put(meta, "_journal.json",
	    "{\"entries\":[{\"idx\":0,\"when\":1,\"tag\":\"0000_first\"},{\"idx\":1,\"when\":2,\"tag\":\"0_second\"}]}");
	put(d, "0_second.sql", "SELECT 1;");
	CHECK_INT(scan("drizzle", d, &set, &err), -1);
	CHECK_CONTAINS(err.message, "against their numbers");
	pgb_error_free(&err);
	/* idx going back */
	put(meta, "_journal.json",
	    "{\"entries\":[{\"idx\":1,\"when\":1,\"tag\":\"0000_first\"},\n{\"idx\":0,\"when\":2,\"tag\":\"0001_second\"}]}");
	char *second = xasprintf("%s/0_second.sql", d);
	CHECK_INT(unlink(second), 0);
	free(second);
	CHECK_INT(scan("drizzle", d, &set, &err), -1);
	CHECK_CONTAINS(err.message, "its idx 0 is not after 1");
	CHECK_INT(err.line, 2);
	pgb_error_free(&err);
	rmtree(d);
	free(meta);
	free(d);
}
