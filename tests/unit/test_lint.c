/*
 * test_lint.c: every lint rule of the table (lint.h) runs its own examples
 * (the number of its findings must equal the example's hits); the
 * lint-ignore directive; grading given the table sizes.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lint.h"

static void lint_text(struct lint_run *run, const char *sql, int no_transaction)
{
	struct lint_file f = {"m.sql", sql, strlen(sql), no_transaction};
	lint_file(run, &f);
}

static size_t count_rule(const struct lint_run *run, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < run->n; i++)
		n += strcmp(run->findings[i].rule, id) == 0;
	return n;
}

/* lint_print_text's output, malloc'd */
static char *text_of(const struct lint_run *run)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	lint_print_text(out, run);
	fclose(out);
	return buf;
}

static const struct lint_finding *first_of(const struct lint_run *run, const char *id)
{
	for (size_t i = 0; i < run->n; i++)
		if (strcmp(run->findings[i].rule, id) == 0)
			return &run->findings[i];
	return NULL;
}

TEST(lint_rules_run_their_examples)
{
	for (size_t k = 0; lint_rules[k]; k++) {
		const struct lint_rule *r = lint_rules[k];
		CHECK(r->id && r->reason && r->check && r->examples);
		CHECK(lint_rule_find(r->id, strlen(r->id)) == r);
		int hits = 0, clean = 0;
		for (const struct lint_example *ex = r->examples; ex && ex->sql; ex++) {
			struct lint_run run;
			lint_run_init(&run);
			run.offline = 1;
			lint_text(&run, ex->sql, ex->no_transaction);
			lint_grade(&run);
			size_t got = count_rule(&run, r->id);
			if ((int)got != ex->hits)
				fprintf(stderr, "lint rule %s: example \"%s\" gave %zu findings, not %d\n", r->id, ex->sql,
					got, ex->hits);
			CHECK_INT(got, ex->hits);
			CHECK_INT(count_rule(&run, "lint-parse"), 0); /* examples are valid SQL */
			for (size_t i = 0; i < run.n; i++)
				CHECK(run.findings[i].line >= 1 && run.findings[i].column >= 1);
			hits += ex->hits > 0;
			clean += ex->hits == 0;
			lint_run_free(&run);
		}
		CHECK(hits > 0 && clean > 0); /* every rule shows what it finds and what it lets pass */
	}
}

TEST(lint_index_fix_and_place)
{
	struct lint_run run;
	lint_run_init(&run);
	run.offline = 1;
	lint_text(&run, "-- add an index\nSELECT 1;\n  create index m_i on app.messages (body);\n", 0);
	lint_grade(&run);
	const struct lint_finding *f = first_of(&run, "index-not-concurrent");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->line, 3);
		CHECK_INT(f->column, 3);
		CHECK_STR(f->table, "app.messages");
		CHECK_STR(f->lock, "SHARE");
		CHECK_STR(f->fix, "create index CONCURRENTLY m_i on app.messages (body); in a file of its own with -- "
				  "pgboot:no-transaction");
		CHECK_INT(f->grade, LINT_WARNING); /* offline, by size: warning */
		CHECK_CONTAINS(f->excerpt, "create index m_i");
	}
	lint_run_free(&run);
}

TEST(lint_parse_error_is_info)
{
	struct lint_run run;
	lint_run_init(&run);
	lint_text(&run, "SELECT 1;\nCREATE TABLE t (id int);\nCREATE TABLEX nope;\nCREATE INDEX i ON t (id);\n", 0);
	lint_grade(&run);
	const struct lint_finding *f = first_of(&run, "lint-parse");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->grade, LINT_INFO);
		CHECK_INT(f->line, 3);
		CHECK_INT(f->column, 8); /* the parser's cursor: at "TABLEX" */
		CHECK_CONTAINS(f->reason, "not analysed");
		CHECK_CONTAINS(f->reason, "syntax error");
	}
	/* the index on a table created above: found, graded info */
	f = first_of(&run, "index-not-concurrent");
	CHECK(f && f->created_here && f->grade == LINT_INFO);
	/* an unterminated quote: the file is not analysed, said once */
	struct lint_run r2;
	lint_run_init(&r2);
	lint_text(&r2, "SELECT 'x;\n", 0);
	CHECK_INT(r2.n, 1);
	CHECK_INT(count_rule(&r2, "lint-parse"), 1);
	lint_run_free(&r2);
	lint_run_free(&run);
}

TEST(lint_created_here_across_files)
{
	struct lint_run run;
	lint_run_init(&run);
	lint_text(&run, "CREATE TABLE app.a (id int); CREATE TABLE b AS SELECT 1 AS x; SELECT 1 AS y INTO c;\n"
			"CREATE MATERIALIZED VIEW d AS SELECT 1 AS z;", 0);
	lint_text(&run, "CREATE INDEX ON a (id); CREATE INDEX ON b (x); CREATE INDEX ON c (y); CREATE INDEX ON d (z);"
			"CREATE INDEX ON e (z);", 0);
	lint_grade(&run);
	CHECK_INT(count_rule(&run, "index-not-concurrent"), 5);
	for (size_t i = 0; i < run.n; i++)
		CHECK_INT(run.findings[i].created_here, strcmp(run.findings[i].table, "e") != 0);
	CHECK_INT(run.files, 2);
	lint_run_free(&run);

	/* renamed and moved, in a later file: still created here under the new name, not under the old;
	   a table in a schema the run created is the run's */
	lint_run_init(&run);
	lint_text(&run, "CREATE TABLE a (id int); CREATE TABLE app.b (id int); CREATE SCHEMA s;\n"
			"CREATE SCHEMA IF NOT EXISTS maybe;", 0);
	lint_text(&run, "ALTER TABLE a RENAME TO a2; ALTER TABLE a2 RENAME id TO k; ALTER TABLE b SET SCHEMA arch;\n"
			"ALTER SCHEMA s RENAME TO s2;", 0);
	lint_text(&run, "CREATE INDEX ON a2 (k); CREATE INDEX ON arch.b (id); CREATE INDEX ON s2.t (x);"
			"CREATE INDEX ON a (id); CREATE INDEX ON app.b (id); CREATE INDEX ON s.t (x);"
			"CREATE INDEX ON maybe.t (x);", 0);
	CHECK_INT(run.n, 7); /* the renames and the move of the run's own tables: not reported */
	for (size_t i = 0; i < run.n; i++)
		CHECK_INT(run.findings[i].created_here, i < 3);
	lint_run_free(&run);
}

TEST(lint_ignore_directive_read)
{
	char **ids = NULL;
	size_t n = 0, rl;
	const char *reason;
	struct pgb_error err;
	pgb_error_init(&err);
	const char *s = " index-not-concurrent , concurrent-in-transaction -- the table is empty ";
	CHECK_INT(lint_ignore_read(s, strlen(s), &ids, &n, &reason, &rl, &err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(ids[0], "index-not-concurrent");
		CHECK_STR(ids[1], "concurrent-in-transaction");
	}
	CHECK(rl == strlen("the table is empty") && strncmp(reason, "the table is empty", rl) == 0);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	s = " index-not-concurrent --  ";
	CHECK_INT(lint_ignore_read(s, strlen(s), NULL, NULL, &reason, &rl, &err), 0);
	CHECK_INT(rl, 0);
	s = " index-not-concurent -- typo";
	CHECK_INT(lint_ignore_read(s, strlen(s), NULL, NULL, &reason, &rl, &err), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK_CONTAINS(err.message, "\"index-not-concurent\"");
	pgb_error_free(&err);
	pgb_error_init(&err);
	s = " -- no rule";
	CHECK_INT(lint_ignore_read(s, strlen(s), NULL, NULL, &reason, &rl, &err), -1);
	pgb_error_free(&err);
	pgb_error_init(&err);
	s = " index-not-concurrent because";
	CHECK_INT(lint_ignore_read(s, strlen(s), NULL, NULL, &reason, &rl, &err), -1);
	pgb_error_free(&err);
}

TEST(lint_ignore_directive_applies)
{
	struct lint_run run;
	lint_run_init(&run);
	run.offline = 1;
	/* line before a statement: that statement only; without a reason: a finding of its own */
	lint_text(&run, "CREATE INDEX a ON t (x);\n-- pgboot:lint-ignore index-not-concurrent -- t is tiny\n"
			"CREATE INDEX b ON t (x);\n-- pgboot:lint-ignore index-not-concurrent\nCREATE INDEX c ON t (x);\n"
			"-- pgboot:lint-ignore concurrent-in-transaction -- another rule\nCREATE INDEX d ON t (x);\n",
		  0);
	lint_grade(&run);
	CHECK_INT(count_rule(&run, "index-not-concurrent"), 4);
	int ignored = 0;
	for (size_t i = 0; i < run.n; i++) {
		const struct lint_finding *f = &run.findings[i];
		if (strcmp(f->rule, "index-not-concurrent") != 0)
			continue;
		CHECK_INT(f->ignored, f->line == 3 || f->line == 5);
		ignored += f->ignored;
		if (f->line == 3)
			CHECK_STR(f->ignore_reason, "t is tiny");
		if (f->line == 5)
			CHECK(f->ignore_reason == NULL);
	}
	CHECK_INT(ignored, 2);
	const struct lint_finding *r = first_of(&run, "lint-ignore-reason");
	CHECK(r && r->line == 4 && r->grade == LINT_WARNING && !r->ignored);
	CHECK_INT(lint_count_at(&run, LINT_WARNING), 3); /* a, d, and the reasonless directive */
	lint_run_free(&run);

	/* the leading block (not the line right before the first statement): the whole file */
	lint_run_init(&run);
	run.offline = 1;
	lint_text(&run, "-- pgboot:lint-ignore index-not-concurrent -- built at night\n\nCREATE INDEX a ON t (x);\n"
			"CREATE INDEX b ON t (x);\n",
		  0);
	lint_grade(&run);
	CHECK_INT(run.n, 2);
	CHECK_INT(lint_count_at(&run, LINT_INFO), 0);
	for (size_t i = 0; i < run.n; i++)
		CHECK(run.findings[i].ignored);
	lint_run_free(&run);
}

TEST(lint_grading_by_size)
{
	struct lint_run run;
	lint_run_init(&run);
	lint_text(&run, "CREATE INDEX ON big (x); CREATE INDEX ON small (x); CREATE INDEX ON gone (x);"
			"CREATE INDEX ON fat (x); CREATE INDEX CONCURRENTLY ON small (y);", 0);
	size_t n;
	const char **tables = lint_tables(&run, &n);
	CHECK_INT(n, 4);
	free(tables);
	lint_set_size(&run, "big", 1, 100000, 8192);           /* at the row threshold: large */
	lint_set_size(&run, "small", 1, 99999, 8192);          /* under both: info */
	lint_set_size(&run, "gone", 0, 0, 0);                  /* does not exist: info */
	lint_set_size(&run, "fat", 1, 10, 100LL * 1024 * 1024); /* at the size threshold: large */
	lint_grade(&run);
	CHECK_INT(run.findings[0].grade, LINT_ERROR);
	CHECK_INT(run.findings[1].grade, LINT_INFO);
	CHECK_INT(run.findings[2].grade, LINT_INFO);
	CHECK_INT(run.findings[3].grade, LINT_ERROR);
	CHECK_INT(run.findings[4].grade, LINT_ERROR); /* concurrent-in-transaction: fixed, whatever the size */
	CHECK_INT(lint_count_at(&run, LINT_ERROR), 2 + 1);
	/* offline: by size is warning; fixed stays */
	run.offline = 1;
	lint_grade(&run);
	CHECK_INT(run.findings[0].grade, LINT_WARNING);
	CHECK_INT(run.findings[4].grade, LINT_ERROR);
	/* thresholds */
	run.offline = 0;
	run.large_rows = 1000000;
	lint_grade(&run);
	CHECK_INT(run.findings[0].grade, LINT_INFO);
	lint_run_free(&run);
}

TEST(lint_text_and_json_output)
{
	struct lint_run run;
	lint_run_init(&run);
	lint_text(&run, "CREATE INDEX m_body ON messages (body);\nCREATE INDEX t_x ON tiny (x);\n", 0);
	run.server_version = strdup("15.4");
	lint_set_size(&run, "messages", 1, 12000000, 3328599654LL);
	lint_set_size(&run, "tiny", 1, 3, 16384);
	lint_grade(&run);
	char *buf = text_of(&run);
	CHECK_CONTAINS(buf, "m.sql:1:1: error: index-not-concurrent: CREATE INDEX without CONCURRENTLY");
	CHECK_CONTAINS(buf, "LINE 1: CREATE INDEX m_body ON messages (body);\n        ^\n");
	CHECK_CONTAINS(buf, "    lock: SHARE on \"messages\" (blocks writes)\n");
	CHECK_CONTAINS(buf, "    table: \"messages\", 12 M rows, 3.1 GB (server 15.4)\n");
	CHECK_CONTAINS(buf, "    table: \"tiny\", 3 rows, 16 kB (server 15.4)\n");
	CHECK_CONTAINS(buf, "m.sql:2:1: info: index-not-concurrent");
	CHECK_CONTAINS(buf, "lint: 1 file, 1 error, 0 warnings, 1 info, 0 ignored\n");
	free(buf);
	buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	lint_print_json(out, &run);
	fclose(out);
	CHECK_CONTAINS(buf, "{\"offline\":false,\"server_version\":\"15.4\",\"findings\":[{\"rule\":\"index-not-concurrent\","
			    "\"grade\":\"error\",\"file\":\"m.sql\",\"line\":1,\"column\":1,");
	CHECK_CONTAINS(buf, "\"rows\":12000000,\"bytes\":3328599654,");
	CHECK_CONTAINS(buf, "\"counts\":{\"info\":1,\"warning\":0,\"error\":1,\"ignored\":0}}\n");
	free(buf);
	lint_run_free(&run);
}

TEST(lint_add_column_not_null_no_default_fix_and_grade)
{
	struct lint_run run;
	lint_run_init(&run);
	lint_text(&run, "CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD COLUMN c text NOT NULL;\n"
			"ALTER TABLE users ADD COLUMN org_id bigint NOT NULL REFERENCES orgs;\n"
			"ALTER TABLE gone ADD COLUMN c text NOT NULL;\n", 0);
	CHECK_INT(count_rule(&run, "add-column-not-null-no-default"), 3);
	lint_set_size(&run, "users", 1, 0, 8192); /* exists, even empty by the estimate: error */
	lint_set_size(&run, "gone", 0, 0, 0);
	lint_grade(&run);
	const struct lint_finding *f = first_of(&run, "add-column-not-null-no-default");
	CHECK(f && f->created_here && f->grade == LINT_INFO && f->line == 2);
	for (size_t i = 0; i < run.n; i++) {
		const struct lint_finding *g = &run.findings[i];
		if (strcmp(g->rule, "add-column-not-null-no-default") != 0 || g->line == 2)
			continue;
		CHECK_INT(g->grade, g->line == 3 ? LINT_ERROR : LINT_INFO);
		if (g->line != 3)
			continue;
		CHECK_STR(g->lock, "ACCESS EXCLUSIVE");
		CHECK_CONTAINS(g->fix, "give the existing rows a value: ALTER TABLE users ADD COLUMN org_id bigint NOT NULL "
				       "REFERENCES orgs DEFAULT <a value>;");
		CHECK_CONTAINS(g->fix, "or add it nullable, ALTER TABLE users ADD COLUMN org_id bigint; fill it in batches");
		CHECK_CONTAINS(g->fix, "ALTER TABLE users ADD CONSTRAINT users_org_id_not_null CHECK (org_id IS NOT NULL) "
				       "NOT VALID;");
	}
	lint_run_free(&run);
}

TEST(lint_type_change_rechecked_by_the_live_type)
{
	struct lint_run run;
	lint_run_init(&run);
	lint_text(&run,
		  "ALTER TABLE t ALTER a TYPE varchar(300);\nALTER TABLE t ALTER b TYPE bigint;\n"
		  "ALTER TABLE t ALTER c TYPE interval;\nALTER TABLE t ALTER d TYPE text;\n"
		  "ALTER TABLE \"x.y\" ALTER e TYPE numeric(12,2);\n",
		  0);
	CHECK_INT(count_rule(&run, "type-change-rewrite"), 5);
	lint_set_size(&run, "t", 1, 5000000, 1LL << 32);
	lint_set_size(&run, "\"x.y\"", 1, 5000000, 1LL << 32);
	size_t n;
	size_t *idx = lint_rechecks(&run, &n);
	CHECK_INT(n, 5);
	const char *live[] = {"character varying(100)", "integer", "interval hour to second(3)", "no such type(",
			      "numeric(10,2)"};
	for (size_t k = n; k-- > 0;)
		lint_recheck(&run, idx[k], live[k]);
	free(idx);
	lint_grade(&run);
	/* varchar widened, interval's limits gone, numeric widened: no rewrite */
	CHECK_INT(count_rule(&run, "type-change-rewrite"), 2);
	CHECK_INT(run.findings[0].line, 2);
	CHECK_CONTAINS(run.findings[0].fix, "the column is integer on the server: this change of it rewrites; instead: "
					    "ALTER TABLE t ADD COLUMN b_new bigint;");
	/* a type the parser refuses: kept as reported */
	CHECK_INT(run.findings[1].line, 4);
	CHECK_CONTAINS(run.findings[1].fix, "the old type is not known from the text");
	lint_run_free(&run);
}

/* what the live type cannot decide (the review of the recheck): each stays a finding, none rechecked */
TEST(lint_type_change_not_rechecked_where_the_server_cannot_tell)
{
	static const char *const cases[] = {
		/* another column renamed to the name altered */
		"ALTER TABLE t RENAME a TO a_old;\nALTER TABLE t RENAME b TO a;\nALTER TABLE t ALTER a TYPE varchar(300);\n",
		/* another table renamed to the name altered (copy and swap) */
		"ALTER TABLE t RENAME TO t_old;\nALTER TABLE t_new RENAME TO t;\nALTER TABLE t ALTER a TYPE varchar(300);\n",
		/* USING a cast to another type than the new one */
		"ALTER TABLE t ALTER a TYPE varchar(300) USING a::text;\n",
		/* search_path moved inside a DO block */
		"DO $$ BEGIN EXECUTE 'SET search_path = s2, public'; END $$;\nALTER TABLE t ALTER a TYPE varchar(300);\n",
		NULL,
	};
	for (int c = 0; cases[c]; c++) {
		struct lint_run run;
		lint_run_init(&run);
		lint_text(&run, cases[c], 0);
		CHECK_INT(count_rule(&run, "type-change-rewrite"), 1);
		lint_set_size(&run, "t", 1, 5000000, 1LL << 32);
		size_t n;
		size_t *idx = lint_rechecks(&run, &n);
		CHECK_INT(n, 0);
		free(idx);
		lint_grade(&run);
		CHECK(first_of(&run, "type-change-rewrite")->grade >= LINT_WARNING);
		lint_run_free(&run);
	}
	struct lint_run run;
	lint_run_init(&run);
	/* typmods the rule cannot read: a change of them rewrites (a cast); the database's part of a name dropped */
	lint_text(&run,
		  "CREATE TABLE g (p geometry(Point,4326));\nALTER TABLE g ALTER p TYPE geometry(Polygon,3857);\n"
		  "ALTER TABLE x.y ADD COLUMN z int;\nDROP TABLE postgres.x.y;\n",
		  0);
	CHECK_INT(count_rule(&run, "type-change-rewrite"), 1);
	CHECK_INT(count_rule(&run, "access-exclusive-multiple-tables"), 0);
	lint_run_free(&run);
	/* the renamed table is shown as not sized, and never sized */
	lint_run_init(&run);
	lint_text(&run, "ALTER TABLE t RENAME TO t_old;\nCREATE INDEX ON t_old (a);\n", 0);
	size_t n;
	const char **tables = lint_tables(&run, &n);
	CHECK_INT(n, 1); /* the RENAME itself is on the server's t */
	CHECK_STR(tables[0], "t");
	free(tables);
	run.server_version = strdup("15.4");
	lint_grade(&run);
	char *buf = text_of(&run);
	CHECK_CONTAINS(buf, "m.sql:2:1: warning: index-not-concurrent");
	CHECK_CONTAINS(buf, "table: \"t_old\" not sized: a pending migration renames a table to or from this name\n");
	free(buf);
	lint_run_free(&run);
}
