/* lintrun.c: the lint against a database and its files (see lintrun.h). */
#include "lintrun.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmem.h"

static void lint_migfile(struct lint_run *run, const struct migfile *mf)
{
	struct lint_file f = {mf->path, mf->content, mf->up_len, mf->no_transaction};
	lint_file(run, &f);
}

void lint_plan(struct lint_run *run, const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].file && plan_item_is_pending(p, &p->items[i]))
			lint_migfile(run, p->items[i].file);
}

void lint_repeatables(struct lint_run *run, const struct repeatables *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->items[i].state != REP_APPLIED)
			lint_migfile(run, rs->items[i].file);
}

void lint_migset(struct lint_run *run, const struct migset *set)
{
	for (size_t i = 0; i < set->n; i++)
		lint_migfile(run, &set->files[i]);
	for (size_t i = 0; i < set->nrepeatables; i++)
		lint_migfile(run, &set->repeatables[i]);
}

static int load_path(const char *path, struct migfile *mf, struct pgb_error *err)
{
	char *data;
	size_t len;
	memset(mf, 0, sizeof(*mf));
	if (source_read_file(path, &data, &len, err))
		return -1;
	mf->kind = MIG_MIGRATION;
	mf->path = xstrdup(path);
	const char *base = strrchr(path, '/');
	mf->name = xstrdup(base ? base + 1 : path);
	return migfile_load(mf, data, len, err);
}

int lint_paths(struct lint_run *run, char *const *paths, int n, struct pgb_error *err)
{
	for (int i = 0; i < n; i++) {
		struct migfile mf;
		int rc = load_path(paths[i], &mf, err);
		if (rc == 0)
			lint_migfile(run, &mf);
		migfile_free(&mf);
		if (rc)
			return -1;
	}
	return 0;
}

/* the names as a text[] literal: {"a","app.b"} */
static char *array_literal(const char **names, size_t n)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addc(&sb, '{');
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(&sb, i ? ",\"" : "\"");
		for (const char *c = names[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				strbuf_addc(&sb, '\\');
			strbuf_addc(&sb, *c);
		}
		strbuf_addc(&sb, '"');
	}
	strbuf_addc(&sb, '}');
	return strbuf_detach(&sb);
}

/*
 * The relation a name as lint_rangevar spells it (quote_ident of each part) names, as u.t: a
 * one-part name through the search path (to_regclass, which skips a schema the role may not
 * use), a schema-qualified one in the catalogs (to_regclass would raise "permission denied for
 * schema"); a name of more parts is no relation here. Nothing in it can raise an error.
 */
#define RELATION_OF_NAME                                                                                          \
	"(SELECT CASE pg_catalog.array_length(n.p, 1) WHEN 1 THEN pg_catalog.to_regclass(u.t) "                   \
	"WHEN 2 THEN (SELECT r.oid FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace s "                    \
	"ON s.oid = r.relnamespace WHERE s.nspname = n.p[1] AND r.relname = n.p[2]) END "                         \
	"FROM (SELECT pg_catalog.parse_ident(u.t) AS p) AS n)"

static const char size_sql[] =
	"SELECT u.t, c.oid IS NOT NULL, COALESCE(c.reltuples, -1)::pg_catalog.int8, "
	"COALESCE(pg_catalog.pg_total_relation_size(c.oid), 0) "
	"FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS u(t, i) "
	"LEFT JOIN pg_catalog.pg_class c ON c.oid = " RELATION_OF_NAME " "
	"ORDER BY u.i";

/* the column's type on each table (NULL: no such column), in the order asked; a name as in size_sql */
static const char type_sql[] =
	"SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) "
	"FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) "
	"WITH ORDINALITY AS u(t, c, i) "
	"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = " RELATION_OF_NAME " "
	"AND a.attname = u.c AND a.attnum > 0 AND NOT a.attisdropped "
	"ORDER BY u.i";

/* the findings that hang on a column's live type (lint_report_recheck): one query for all of them */
static int recheck_types(struct lint_run *run, struct db *db, struct pgb_error *err)
{
	size_t n;
	size_t *idx = lint_rechecks(run, &n);
	int rc = 0;
	if (n) {
		const char **tables = xcalloc(n, sizeof(*tables)), **cols = xcalloc(n, sizeof(*cols));
		for (size_t k = 0; k < n; k++) {
			tables[k] = run->findings[idx[k]].table;
			cols[k] = run->findings[idx[k]].recheck_column;
		}
		char *ta = array_literal(tables, n), *ca = array_literal(cols, n);
		const char *params[] = {ta, ca};
		struct db_result res;
		memset(&res, 0, sizeof(res));
		rc = db_query(db, type_sql, 2, params, &res, err);
		for (size_t k = n; rc == 0 && k-- > 0;) /* last first: a dropped finding moves the later ones */
			if ((int)k < res.nrows && db_cell(&res, (int)k, 0))
				lint_recheck(run, idx[k], db_cell(&res, (int)k, 0));
		db_result_free(&res);
		free(ta);
		free(ca);
		free(tables);
		free(cols);
	}
	free(idx);
	return rc;
}

int lint_size_and_grade(struct lint_run *run, struct db *db, struct pgb_error *err)
{
	free(run->server_version);
	const char *v = db_parameter(db, "server_version"); /* "15.4 (Debian 15.4-1)": the number */
	run->server_version = xstrndup(v, strcspn(v, " "));
	run->offline = 0;
	size_t n;
	const char **tables = lint_tables(run, &n);
	int rc = 0;
	if (n) {
		char *arr = array_literal(tables, n);
		const char *params[] = {arr};
		struct db_result res;
		memset(&res, 0, sizeof(res));
		rc = db_query(db, size_sql, 1, params, &res, err);
		for (int i = 0; rc == 0 && i < res.nrows; i++)
			lint_set_size(run, db_cell(&res, i, 0), strcmp(db_cell(&res, i, 1), "t") == 0,
				      strtoll(db_cell(&res, i, 2), NULL, 10), strtoll(db_cell(&res, i, 3), NULL, 10));
		db_result_free(&res);
		free(arr);
	}
	free(tables);
	if (rc == 0)
		rc = recheck_types(run, db, err);
	lint_grade(run);
	return rc;
}
