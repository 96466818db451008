/* goose.c: goose's annotations, as internal/sqlparser/parser.go (extractAnnotation) reads them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "layout.h"
#include "layout_scan.h"
#include "xmem.h"

static int claims(const char *s, size_t n)
{
	return layout_starts_ci(s, n, "+goose");
}

static const char goose_hint[] =
	"goose's annotations are \"-- +goose Up\", \"Down\", \"StatementBegin\", \"StatementEnd\", "
	"\"NO TRANSACTION\" and \"ENVSUB OFF\" (any case after a lower-case \"+goose\", at the start of "
	"the line, nothing else on it).";

/* what is left of a goose line once "--" and "+goose" are gone: cmd[0..cl) */
static int goose_word(const char *line, size_t n, const char *cmd, size_t cl, struct marker *m,
		      struct pgb_error *err)
{
	size_t a = 0;
	while (a < cl && layout_is_wsp(cmd[a]))
		a++;
	while (cl > a && layout_is_wsp(cmd[cl - 1]))
		cl--;
	const char *c = cmd + a;
	size_t len = cl - a;
#define IS(w) (len == strlen(w) && strncasecmp(c, w, len) == 0)
	if (IS("up"))
		m->kind = MARKER_UP;
	else if (IS("down"))
		m->kind = MARKER_DOWN;
	else if (IS("no transaction"))
		m->kind = MARKER_NO_TRANSACTION; /* goose honours it anywhere in the file */
	else if (IS("statementbegin") || IS("statementend") || IS("envsub off"))
		m->kind = MARKER_NOOP; /* pgboot's lexer finds statement ends itself */
	else if (IS("envsub on"))
		return layout_refuse(err, line, n, "pgboot does not substitute environment variables in SQL",
			      "Write the values into the file, or drop the annotation if nothing uses ${VAR}.");
	else
		return layout_refuse(err, line, n, "not a goose annotation", goose_hint);
#undef IS
	return 0;
}

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)body;
	if (n && layout_is_blank(line[0]))
		return layout_refuse(err, line, n, "goose refuses an annotation indented by blanks", goose_hint);
	/* goose removes every "--" and the first "+goose", then trims */
	char *cmd = xmalloc(n + 1);
	size_t cl = 0, i = 0;
	int seen = 0, r = 0;
	while (i < n && r == 0) {
		if (layout_starts_with(line + i, n - i, "--")) {
			i += 2;
		} else if (layout_starts_with(line + i, n - i, "+goose")) {
			if (seen++)
				r = layout_refuse(err, line, n, "two annotations on one line", goose_hint);
			i += 6;
		} else {
			cmd[cl++] = line[i++];
		}
	}
	if (r == 0 && !seen)
		r = layout_refuse(err, line, n, "goose reads \"+goose\" only in lower case", goose_hint);
	if (r == 0)
		r = goose_word(line, n, cmd, cl, m, err);
	free(cmd);
	return r;
}

static const struct layout_example examples[] = {
	{"-- +goose Up", MARKER_UP, 0},
	{"-- +goose down", MARKER_DOWN, 0},
	{"-- +goose StatementBegin", MARKER_NOOP, 0},
	{"-- +goose NO TRANSACTION", MARKER_NO_TRANSACTION, 0},
	{"-- +goose ENVSUB ON", MARKER_NONE, 1},
	{" -- +goose Up", MARKER_NONE, 1},
	{NULL, MARKER_NONE, 0},
};

/* as "goose create NAME sql" writes it (create.go sqlMigrationTemplate): a UTC timestamp in an empty directory */
static const struct layout_template template = {"-- +goose Up\n-- +goose StatementBegin\nSELECT 'up SQL query';\n"
						"-- +goose StatementEnd\n\n-- +goose Down\n-- +goose StatementBegin\n"
						"SELECT 'down SQL query';\n-- +goose StatementEnd\n",
						'_', 1};

static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	return layout_create_file(dir, set, name, &template, path, err);
}

/*
 * goose's NumericComponent (migrate.go): the extension .sql or .go, the
 * text before the first '_' an int64 above 0; ordered by that number.
 */
static int goose_name(const char *f, char **version, char **name, const char **why)
{
	size_t n = strlen(f);
	const char *dot = strrchr(f, '.');
	if (!dot || (strcmp(dot, ".sql") != 0 && strcmp(dot, ".go") != 0))
		return 0;
	const char *us = strchr(f, '_');
	size_t d = strspn(f, "0123456789");
	if (!us || (size_t)(us - f) != d || d == 0 || d > 18 || strtoll(f, NULL, 10) <= 0) {
		*why = "goose would refuse this name (the text before the first '_' must be a number above 0)";
		return -1;
	}
	if (strcmp(dot, ".go") == 0) {
		*why = "a Go migration: pgboot runs SQL only";
		return -1;
	}
	(void)n;
	layout_split_name(f, d, version, name);
	return 1;
}

static int goose_order(const char *a, const char *b)
{
	long long x = strtoll(a, NULL, 10), y = strtoll(b, NULL, 10);
	return x != y ? (x < y ? -1 : 1) : strcmp(a, b);
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	return layout_scan_flat(dir, "goose", "files \"<number>_<name>.sql\" (and .go)", goose_name, goose_order, 0, out,
				err);
}

/* --layout auto: its up marker in a file, and no other marker dialect's (layout_scan.h) */
static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	return layout_detect_markers(dir, "goose", why);
}

const struct layout layout_goose = {
	.detect = detect,
	.scan = scan,
	.name = "goose",
	.claims = claims,
	.read_marker = read_marker,
	.examples = examples,
	.create = create,
};
