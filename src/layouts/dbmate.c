/*
 * dbmate.c: dbmate's markers, as pkg/dbmate/migration.go reads them
 * (upRegExp, downRegExp, parseMigrationOptions):
 * (?m)^--\s*migrate:(up|down)(\s*$|\s+\S+), options key:value.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "layout_scan.h"

/* its exact prefix, or "migrate" ":" and the word up or down (prose stays prose) */
static int claims(const char *s, size_t n)
{
	size_t i;
	if (layout_starts_with(s, n, "migrate:"))
		return 1;
	if (!layout_word_colon(s, n, "migrate", &i))
		return 0;
	while (i < n && layout_is_blank(s[i]))
		i++;
	return layout_word_ci(s + i, n - i, "up") || layout_word_ci(s + i, n - i, "down");
}

static const char dbmate_hint[] =
	"dbmate's markers are \"-- migrate:up\" and \"-- migrate:down\" in lower case at the start of a "
	"line, optionally followed by \"transaction:false\" (a \"--\" comment may follow).";

static int dbmate_options(const char *line, size_t n, size_t i, struct marker *m, struct pgb_error *err)
{
	for (;;) {
		while (i < n && layout_is_wsp(line[i]))
			i++;
		if (i >= n || layout_starts_with(line + i, n - i, "--"))
			return 0;
		size_t t = i;
		while (i < n && !layout_is_wsp(line[i]))
			i++;
		const char *tok = line + t;
		size_t tl = i - t;
		if (tl == 17 && memcmp(tok, "transaction:false", 17) == 0)
			m->no_transaction = 1;
		else if (!(tl == 16 && memcmp(tok, "transaction:true", 16) == 0))
			return layout_refuse(err, line, n, "pgboot does not know this option", dbmate_hint);
	}
}

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)body;
	if (!layout_starts_with(line, n, "--"))
		return layout_refuse(err, line, n, "dbmate reads a marker only where \"--\" starts the line", dbmate_hint);
	size_t i = 2;
	while (i < n && layout_is_wsp(line[i]))
		i++;
	const char *s = line + i;
	size_t k = n - i, wl;
	if (layout_starts_with(s, k, "migrate:up")) {
		m->kind = MARKER_UP;
		wl = 10;
	} else if (layout_starts_with(s, k, "migrate:down")) {
		m->kind = MARKER_DOWN;
		wl = 12;
	} else {
		return layout_refuse(err, line, n, "dbmate would not read it as a marker", dbmate_hint);
	}
	i += wl;
	if (i < n && !layout_is_wsp(line[i]))
		return layout_refuse(err, line, n, "dbmate would not read it as a marker", dbmate_hint);
	return dbmate_options(line, n, i, m, err);
}

static const struct layout_example examples[] = {
	{"-- migrate:up", MARKER_UP, 0},
	{"--migrate:down", MARKER_DOWN, 0},
	{"-- migrate:up transaction:false", MARKER_UP, 0},
	{"-- Migrate: Up", MARKER_NONE, 1},
	{"  -- migrate:up", MARKER_NONE, 1},
	{"-- migrate:up transaction:maybe", MARKER_NONE, 1},
	{NULL, MARKER_NONE, 0},
};

/* as dbmate new writes it (pkg/dbmate/db.go migrationTemplate): a UTC timestamp in an empty directory */
static const struct layout_template template = {"-- migrate:up\n\n\n-- migrate:down\n\n", '_', 1};

static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	return layout_create_file(dir, set, name, &template, path, err);
}

/* dbmate's migrationFileRegexp, ^(\d+).*\.sql$ (pkg/dbmate/db.go), files in name order (FindMigrations) */
static int dbmate_name(const char *f, char **version, char **name, const char **why)
{
	(void)why;
	size_t d = strspn(f, "0123456789"), n = strlen(f);
	if (d == 0 || n < d + 4 || strcmp(f + n - 4, ".sql") != 0)
		return 0;
	layout_split_name(f, d, version, name);
	return 1;
}

static int dbmate_order(const char *a, const char *b)
{
	return strcmp(a, b);
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	return layout_scan_flat(dir, "dbmate", "files whose name starts with digits and ends in \".sql\"", dbmate_name,
				dbmate_order, 0, out, err);
}

/* --layout auto: its up marker in a file, and no other marker dialect's (layout_scan.h) */
static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	return layout_detect_markers(dir, "dbmate", why);
}

const struct layout layout_dbmate = {
	.detect = detect,
	.scan = scan,
	.name = "dbmate",
	.claims = claims,
	.read_marker = read_marker,
	.examples = examples,
	.create = create,
};
