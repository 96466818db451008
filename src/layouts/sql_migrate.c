/* sql_migrate.c: sql-migrate's markers, as sqlparse/sqlparse.go (sqlCmdPrefix, parseCommand) reads them. */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "layout_scan.h"

static int claims(const char *s, size_t n)
{
	return layout_starts_ci(s, n, "+migrate");
}

static const char sqlmigrate_hint[] =
	"sql-migrate's markers are \"-- +migrate Up\", \"-- +migrate Down\" (each optionally followed by "
	"\"notransaction\"), \"-- +migrate StatementBegin\" and \"-- +migrate StatementEnd\", spelled "
	"exactly so, at the start of the line (a \"--\" comment may follow).";

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)body;
	if (!layout_starts_with(line, n, "-- +migrate "))
		return layout_refuse(err, line, n, "sql-migrate reads only lines that start with \"-- +migrate \"",
			      sqlmigrate_hint);
	size_t i = 12;
	int first = 1;
	for (;;) {
		while (i < n && layout_is_wsp(line[i]))
			i++;
		if (i >= n || (!first && layout_starts_with(line + i, n - i, "--")))
			break;
		size_t t = i;
		while (i < n && !layout_is_wsp(line[i]))
			i++;
		const char *f = line + t;
		size_t fl = i - t;
#define IS(w) (fl == strlen(w) && memcmp(f, w, fl) == 0)
		if (first) {
			if (IS("Up"))
				m->kind = MARKER_UP;
			else if (IS("Down"))
				m->kind = MARKER_DOWN;
			else if (IS("StatementBegin") || IS("StatementEnd"))
				m->kind = MARKER_NOOP;
			else
				return layout_refuse(err, line, n, "not a sql-migrate command", sqlmigrate_hint);
			first = 0;
		} else if (IS("notransaction") && m->kind != MARKER_NOOP) {
			m->no_transaction = 1; /* of its section: the up part, or the down part */
		} else {
			return layout_refuse(err, line, n, "pgboot does not know this option", sqlmigrate_hint);
		}
#undef IS
	}
	if (first)
		return layout_refuse(err, line, n, "an incomplete sql-migrate command", sqlmigrate_hint);
	return 0;
}

static const struct layout_example examples[] = {
	{"-- +migrate Up", MARKER_UP, 0},
	{"-- +migrate Down", MARKER_DOWN, 0},
	{"-- +migrate Up notransaction", MARKER_UP, 0},
	{"-- +migrate StatementEnd", MARKER_NOOP, 0},
	{"-- +migrate up", MARKER_NONE, 1},
	{"--+migrate Up", MARKER_NONE, 1},
	{NULL, MARKER_NONE, 0},
};

/* as sql-migrate new writes it (sql-migrate/command_new.go): "<timestamp>-<name>.sql" */
static const struct layout_template template = {"\n-- +migrate Up\n\n-- +migrate Down\n", '-', 1};

static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	return layout_create_file(dir, set, name, &template, path, err);
}

/*
 * sql-migrate (migrate.go: FileMigrationSource, byId, VersionInt): every
 * .sql file, its id the file name, ordered by the leading number where both
 * have one, else by name. pgboot's version is that number: a file without
 * one is refused.
 */
static int sqlmigrate_name(const char *f, char **version, char **name, const char **why)
{
	size_t n = strlen(f), d = strspn(f, "0123456789");
	if (n < 4 || strcmp(f + n - 4, ".sql") != 0)
		return 0;
	if (d == 0) {
		*why = "no leading number: pgboot's version of a sql-migrate file is its name's leading number";
		return -1;
	}
	layout_split_name(f, d, version, name);
	return 1;
}

static int sqlmigrate_order(const char *a, const char *b)
{
	size_t da = strspn(a, "0123456789"), db = strspn(b, "0123456789");
	if (da && db) {
		unsigned long long x = strtoull(a, NULL, 10), y = strtoull(b, NULL, 10);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return strcmp(a, b);
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	return layout_scan_flat(dir, "sql-migrate", "every \".sql\" file, ordered by its leading number, then its name",
				sqlmigrate_name, sqlmigrate_order, 1, out, err);
}

/* --layout auto: its up marker in a file, and no other marker dialect's (layout_scan.h) */
static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	return layout_detect_markers(dir, "sql-migrate", why);
}

const struct layout layout_sql_migrate = {
	.detect = detect,
	.scan = scan,
	.name = "sql-migrate",
	.claims = claims,
	.read_marker = read_marker,
	.examples = examples,
	.create = create,
};
