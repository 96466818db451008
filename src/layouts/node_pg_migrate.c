/*
 * node_pg_migrate.c: a node-pg-migrate directory, as node-pg-migrate 9.0.0
 * reads it (dist/legacy/migration.js getMigrationFilePaths and Migration,
 * migrationLoader.js, sqlMigration.js getActions, utils/comparators.js):
 *
 * - Files: every entry of the directory that is a file or a symbolic link
 *   and does not start with '.' (the default ignore pattern ^\..*); a
 *   directory is not read. .sql (any case) is a SQL migration; .js, .ts,
 *   .cjs, .mjs, .cts, .mts are JavaScript migrations, which pgboot cannot
 *   run (78); any other file would be loaded as JavaScript too (78).
 * - Order: the leading digits as a number (17 digits are a UTC time
 *   YYYYMMDDhhmmssSSS, compared as its milliseconds); pgboot's version is
 *   those digits, so two files with the same number are refused, as is a mix
 *   of 17-digit and other numbers whose time order is not their number order.
 * - History name (tool_id): the file name without its extension.
 * - Up and down: the first match in the whole text (not only outside
 *   quotes) of /^\s*--[\s-]*up\s+migration/im opens the up part, the first
 *   of /^\s*--[\s-]*down\s+migration/im the down part; each runs to the
 *   other's start or the end. No up marker: the whole file is up. The
 *   three cases the tool runs differently from what the file seems to say
 *   are refused (78, file:line): a marker inside a quoted string, dollar
 *   body or block comment (the tool splits there), SQL before the first
 *   marker (the tool runs it in neither part), a down marker without an
 *   up marker (the tool runs the down part as up).
 * detect: a .sql file with a line "-- Up Migration" or "-- Down Migration"
 * as node-pg-migrate's template writes it (the whole comment), or a
 * numbered .js/.ts migration.
 * Each part is sent as one query in a transaction; pgboot runs the same text
 * statement by statement in one transaction, which ends the same.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "node_pg_migrate.h"
#include "sqlsplit.h"
#include "utf8.h"
#include "xmem.h"

/* ---- the marker regexes ---------------------------------------------------- */

/* JavaScript's \s at s[0..n): its length in bytes, or 0 */
static size_t js_space(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	uint32_t cp;
	size_t k = utf8_decode((const unsigned char *)s, n, &cp);
	if (k < 2)
		return 0;
	if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF)
		return k;
	return 0;
}

/* 1 when s[i] starts a line for the "m" flag: the start, or after \n, \r, U+2028, U+2029 */
static int js_line_start(const char *s, size_t i)
{
	if (i == 0 || s[i - 1] == '\n' || s[i - 1] == '\r')
		return 1;
	return i >= 3 && memcmp(s + i - 3, "\xe2\x80", 2) == 0 && (s[i - 1] == '\xa8' || s[i - 1] == '\xa9');
}

/* the end of the run of \s at s[i..n) */
static size_t skip_space(const char *s, size_t n, size_t i)
{
	size_t k;
	while (i < n && (k = js_space(s + i, n - i)) > 0)
		i += k;
	return i;
}

/* the rest of a match, --[\s-]*WORD\s+migration, at i (no backtracking is needed: the classes are disjoint) */
static int match_at(const char *s, size_t n, size_t i, const char *word, struct npm_marker *m)
{
	size_t k = 0;
	if (n - i < 2 || s[i] != '-' || s[i + 1] != '-')
		return 0;
	m->dash = i;
	i += 2;
	while (i < n && (s[i] == '-' || (k = js_space(s + i, n - i)) > 0))
		i += s[i] == '-' ? 1 : k;
	if (!layout_starts_ci(s + i, n - i, word))
		return 0;
	i += strlen(word);
	size_t sp = i;
	i = skip_space(s, n, i);
	if (i == sp || !layout_starts_ci(s + i, n - i, "migration"))
		return 0;
	m->end = i + 9;
	return 1;
}

int npm_find_marker(const char *s, size_t n, const char *word, struct npm_marker *m)
{
	for (size_t p = 0; p < n; p++) {
		if (!js_line_start(s, p))
			continue;
		/* ^\s* from p; every line start up to q ends its \s* at q too, so the next try is after q */
		size_t q = skip_space(s, n, p);
		if (match_at(s, n, q, word, m)) {
			m->start = p;
			return 1;
		}
		p = q > p ? q - 1 : p;
	}
	return 0;
}

/* ---- reading one file -------------------------------------------------------- */

struct comments {
	size_t *at;
	size_t n;
};

static void on_comment(void *ctx, size_t start, size_t end)
{
	(void)end;
	struct comments *c = ctx;
	c->at = xrealloc(c->at, (c->n + 1) * sizeof(*c->at));
	c->at[c->n++] = start;
}

static int line_at(const char *s, size_t at)
{
	int line = 1;
	for (size_t i = 0; i < at; i++)
		line += s[i] == '\n';
	return line;
}

static int refuse_at(const char *path, const char *s, size_t at, struct pgb_error *err, const char *msg)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "%s in \"%s\"", msg, path);
	pgb_error_locus(err, path, line_at(s, at), 0);
	return -1;
}

/* the marker must be a "--" comment the lexer sees, on one line */
static int check_marker(const char *path, const char *s, size_t n, const struct npm_marker *m,
			const struct comments *c, struct pgb_error *err)
{
	const char *nl = memchr(s + m->dash, '\n', m->end - m->dash);
	if (nl || memchr(s + m->dash, '\r', m->end - m->dash)) {
		refuse_at(path, s, m->dash, err, "node-pg-migrate's marker spans two lines");
		pgb_error_detail(err, "node-pg-migrate reads \"%.*s\" as one marker; pgboot reads a marker on one line.",
				 (int)(m->end - m->dash), s + m->dash);
		pgb_error_hint(err, "Write the marker on one line: \"-- Up Migration\" or \"-- Down Migration\".");
		return -1;
	}
	for (size_t k = 0; k < c->n; k++)
		if (c->at[k] == m->dash)
			return 0;
	(void)n;
	refuse_at(path, s, m->dash, err, "node-pg-migrate's marker is inside a quoted string, dollar-quoted body or block comment");
	pgb_error_detail(err, "node-pg-migrate splits the file at \"%.*s\" wherever it is; there it would cut the text "
			      "in two.", (int)(m->end - m->dash), s + m->dash);
	pgb_error_hint(err, "Reword that line so that it does not start with \"--\" and \"up migration\" or \"down "
			    "migration\".");
	return -1;
}

/* the line after the one holding at */
static size_t next_line(const char *s, size_t n, size_t at)
{
	const char *nl = memchr(s + at, '\n', n - at);
	return nl ? (size_t)(nl - s) + 1 : n;
}

struct parts {
	int has_up, has_down;
	struct npm_marker up, down;
};

static int find_parts(const char *path, const char *s, size_t n, struct parts *p, struct pgb_error *err)
{
	memset(p, 0, sizeof(*p));
	p->has_up = npm_find_marker(s, n, "up", &p->up);
	p->has_down = npm_find_marker(s, n, "down", &p->down);
	if (!p->has_up && !p->has_down)
		return 0;
	struct comments c = {0};
	struct sqlsplit_opts opts = {.standard_conforming_strings = 1, .on_comment = on_comment, .ctx = &c};
	struct sql_script script;
	struct pgb_error lex;
	pgb_error_init(&lex);
	if (sql_split(s, n, &opts, &script, &lex) == 0)
		sql_script_free(&script);
	pgb_error_free(&lex);
	int rc = 0;
	if ((p->has_up && check_marker(path, s, n, &p->up, &c, err)) ||
	    (p->has_down && check_marker(path, s, n, &p->down, &c, err)))
		rc = -1;
	free(c.at);
	if (rc)
		return -1;
	if (!p->has_up) {
		refuse_at(path, s, p->down.dash, err, "down marker without an up marker");
		pgb_error_detail(err, "Without \"-- Up Migration\" node-pg-migrate runs the whole file as the up migration, "
				      "its down part too.");
		pgb_error_hint(err, "Add a line \"-- Up Migration\" above the up part.");
		return -1;
	}
	size_t first = p->has_down && p->down.start < p->up.start ? p->down.start : p->up.start;
	size_t bom = utf8_bom(s, n);
	if (first > bom && !sql_is_blank(s + bom, first - bom)) {
		refuse_at(path, s, bom, err, "SQL before node-pg-migrate's first marker");
		pgb_error_detail(err, "node-pg-migrate runs the text before the first marker in neither the up nor the "
				      "down migration.");
		pgb_error_hint(err, "Move it below \"-- Up Migration\", or delete it.");
		return -1;
	}
	return 0;
}

/* the down text (after its marker's line) appended as the down part, on line down_line of the file */
static void append_down(struct migfile *mf, const char *down, size_t down_len, int down_line)
{
	mf->content = xrealloc(mf->content, mf->len + down_len + 1);
	memcpy(mf->content + mf->len, down, down_len);
	mf->up_len = mf->len;
	mf->down_start = mf->len;
	mf->len += down_len;
	mf->content[mf->len] = '\0';
	mf->down_line = down_line;
}

/* Load the file's text s[0..n) (owned) into mf (path, version, name set). */
static int load_text(struct migfile *mf, char *s, size_t n, struct pgb_error *err)
{
	struct parts p;
	if (migfile_validate_text(mf->path, s, n, err) || find_parts(mf->path, s, n, &p, err)) {
		free(s);
		return -1;
	}
	size_t up_from = 0, up_to = n, down_from = 0, down_to = 0;
	if (p.has_up && p.has_down && p.down.start > p.up.start) {
		up_to = p.down.start;
		down_from = next_line(s, n, p.down.end);
		down_to = n;
	} else if (p.has_up && p.has_down) {
		up_from = p.up.start;
		down_from = next_line(s, n, p.down.end);
		down_to = p.up.start;
	}
	/* the up part keeps its lines: what precedes it becomes empty lines */
	char *up = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < up_from; i++)
		if (s[i] == '\n')
			up[k++] = '\n';
	memcpy(up + k, s + up_from, up_to - up_from);
	k += up_to - up_from;
	up[k] = '\0';
	if (migfile_load(mf, up, k, err)) {
		free(s);
		return -1;
	}
	if (migfile_has_down(mf)) {
		pgb_fail(err, PGB_EXIT_CONFIG, "another tool's down marker in the up part of \"%s\"", mf->path);
		pgb_error_detail(err, "node-pg-migrate reads only \"-- Down Migration\": it runs this marker's down part as up.");
		pgb_error_hint(err, "Remove the marker, or put the down part under \"-- Down Migration\".");
		pgb_error_locus(err, mf->path, mf->down_line - 1, 0);
		free(s);
		return -1;
	}
	migfile_checksum(s + up_from, up_to - up_from, mf->checksum);
	if (p.has_down) {
		if (down_from > down_to)
			down_from = down_to;
		append_down(mf, s + down_from, down_to - down_from, line_at(s, down_from));
	}
	free(s);
	return 0;
}

/* ---- the directory ----------------------------------------------------------- */

static int is_js_name(const char *name)
{
	static const char *const exts[] = {".js", ".ts", ".cjs", ".mjs", ".cts", ".mts"};
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return 1;
	return 0;
}

/* node-pg-migrate's order key: the leading digits' value, a 17-digit one as UTC milliseconds */
static long double order_key(const char *name)
{
	size_t d = strspn(name, "0123456789");
	if (d == 17) {
		struct tm tm = {0};
		char b[5];
#define FIELD(off, len) (memcpy(b, name + (off), (len)), b[(len)] = '\0', atoi(b))
		tm.tm_year = FIELD(0, 4) - 1900;
		tm.tm_mon = FIELD(4, 2) - 1;
		tm.tm_mday = FIELD(6, 2);
		tm.tm_hour = FIELD(8, 2);
		tm.tm_min = FIELD(10, 2);
		tm.tm_sec = FIELD(12, 2);
		int ms = FIELD(14, 3);
#undef FIELD
		return (long double)timegm(&tm) * 1000.0L + ms;
	}
	return strtold(name, NULL);
}

static int by_tool_order(const void *a, const void *b)
{
	const struct migfile *x = a, *y = b;
	const char *xn = strrchr(x->path, '/') + 1, *yn = strrchr(y->path, '/') + 1;
	long double kx = order_key(xn), ky = order_key(yn);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return strcmp(xn, yn);
}

static int refuse_file(const char *dir, const char *fname, struct pgb_error *err, const char *msg, const char *hint)
{
	char *path = source_join(dir, fname);
	pgb_fail(err, PGB_EXIT_CONFIG, "%s: \"%s\"", msg, path);
	pgb_error_hint(err, "%s", hint);
	pgb_error_locus(err, path, 0, 0);
	free(path);
	return -1;
}

static int load_file(const char *dir, const char *fname, struct migset *out, struct pgb_error *err)
{
	size_t d = strspn(fname, "0123456789");
	if (d == 0)
		return refuse_file(dir, fname, err, "node-pg-migrate migration without a number",
				   "node-pg-migrate orders its files by their leading digits and stops at a name without "
				   "them; rename it or move it out of the directory.");
	if (migfile_validate_name(fname, err))
		return -1;
	struct migfile *mf = &out->files[out->n++];
	memset(mf, 0, sizeof(*mf));
	mf->kind = MIG_MIGRATION;
	mf->path = source_join(dir, fname);
	char *digits = xstrndup(fname, d);
	version_parse_text(digits, &mf->version);
	free(digits);
	const char *rest = fname + d;
	if (*rest == '_' || *rest == '-')
		rest++;
	mf->name = xstrndup(rest, strlen(rest) - 4);
	mf->tool_id = xstrndup(fname, strlen(fname) - 4);
	char *data;
	size_t len;
	if (source_read_file(mf->path, &data, &len, err))
		return -1;
	return load_text(mf, data, len, err);
}

/* a file of the directory: loaded, refused, or (a directory, a dot file) not read */
static int take_entry(const char *dir, DIR *d, const struct dirent *de, struct migset *out, struct pgb_error *err)
{
	struct stat st;
	if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	const char *name = de->d_name;
	size_t len = strlen(name);
	if (is_js_name(name))
		return refuse_file(dir, name, err, "pgboot cannot run a JavaScript migration",
				   "node-pg-migrate runs it through its migration builder; write it as SQL (\"pg_dump "
				   "--schema-only\" or node-pg-migrate's --dry-run shows the statements) in a .sql file "
				   "with \"-- Up Migration\" and \"-- Down Migration\".");
	if (!source_is_sql_name(name))
		return refuse_file(dir, name, err, "file that node-pg-migrate would load as a migration",
				   "node-pg-migrate loads every file of its directory but those starting with \".\"; "
				   "move it out of the directory.");
	if ((len > 7 && strcasecmp(name + len - 7, ".up.sql") == 0) ||
	    (len > 9 && strcasecmp(name + len - 9, ".down.sql") == 0))
		return refuse_file(dir, name, err, "node-pg-migrate up or down file of a pair",
				   "node-pg-migrate's default loader runs each .up.sql and .down.sql as a migration of "
				   "its own; pgboot reads single files with \"-- Up Migration\" and \"-- Down Migration\": "
				   "join each pair into one.");
	out->files = xrealloc(out->files, (out->n + 1) * sizeof(*out->files));
	return load_file(dir, name, out, err);
}

static int check_order(const struct migset *set, struct pgb_error *err)
{
	for (size_t i = 1; i < set->n; i++) {
		const struct migfile *a = &set->files[i - 1], *b = &set->files[i];
		int c = version_compare(&a->version, &b->version);
		if (c == 0)
			pgb_fail(err, PGB_EXIT_CONFIG, "duplicate version %s: \"%s\" and \"%s\"", b->version.text, a->path,
				 b->path);
		else if (c > 0)
			pgb_fail(err, PGB_EXIT_CONFIG, "node-pg-migrate runs \"%s\" before \"%s\", against their numbers",
				 a->path, b->path);
		else
			continue;
		pgb_error_hint(err, "%s", c == 0 ? "Each number may be used by one file only; renumber one of them."
						 : "A 17-digit number is a UTC time to node-pg-migrate: use one "
						   "file name format for every file.");
		return -1;
	}
	return 0;
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	memset(out, 0, sizeof(*out));
	out->files = xcalloc(1, sizeof(*out->files));
	DIR *d = opendir(dir);
	if (!d)
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open directory \"%s\": %m", dir);
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL)
		rc = take_entry(dir, d, de, out, err);
	closedir(d);
	if (rc == 0 && out->n > 1)
		qsort(out->files, out->n, sizeof(*out->files), by_tool_order);
	if (rc == 0)
		rc = check_order(out, err);
	if (rc)
		migset_free(out);
	return rc;
}

/* ---- detect ------------------------------------------------------------------ */

/* the marker as node-pg-migrate's template writes it: "up migration" is the whole comment */
static int template_marker(const char *s, size_t n, const struct npm_marker *m)
{
	size_t i = m->end;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i == n || s[i] == '\n';
}

static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int found = 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (is_js_name(de->d_name) && strspn(de->d_name, "0123456789") > 0) {
			/* read as pgboot's own, the directory would say "up to date" and run nothing */
			*why = xasprintf("\"%s/%s\" is a numbered JavaScript migration", dir, de->d_name);
			found = 1;
			continue;
		}
		if (!source_is_sql_name(de->d_name))
			continue;
		char *path = source_join(dir, de->d_name), *s;
		size_t n;
		struct pgb_error ignored;
		pgb_error_init(&ignored);
		struct npm_marker m;
		if (source_read_file(path, &s, &n, &ignored) == 0) {
			/* the down marker alone too: the scanner refuses it, read as pgboot's it would run as up */
			for (int up = 1; up >= 0 && !found; up--) {
				if (npm_find_marker(s, n, up ? "up" : "down", &m) && template_marker(s, n, &m)) {
					*why = xasprintf("\"%s\" has node-pg-migrate's \"-- %s Migration\" marker", path,
							 up ? "Up" : "Down");
					found = 1;
				}
			}
			free(s);
		}
		pgb_error_free(&ignored);
		free(path);
	}
	closedir(d);
	return found;
}

/* node-pg-migrate's markers are read by the scanner above, never as comments of other layouts' files */
static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)line, (void)n, (void)body, (void)m, (void)err;
	return 0;
}

static const struct layout_example examples[] = {
	{"-- Up Migration", MARKER_NONE, 0},
	{"-- Down Migration", MARKER_NONE, 0},
	{NULL, MARKER_NONE, 0},
};

/* ---- pgboot new ------------------------------------------------------------------- */

/*
 * The prefix as Migration.getFilePrefix (dist/legacy/migration.js) makes it
 * in the format the files show: 17 digits "utc" (new
 * Date().toISOString() digits, YYYYMMDDhhmmssSSS), 13 "timestamp"
 * (Date.now(), the tool's default: an empty directory's too), other numbers
 * "index" (the highest plus one, padded to the longest prefix, 4 at least).
 */
static char *npm_prefix(const struct migset *set)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	size_t width = 0;
	unsigned long long top = 0;
	for (size_t i = 0; i < set->n; i++) {
		const char *v = set->files[i].version.text;
		size_t d = strspn(v, "0123456789");
		unsigned long long x = strtoull(v, NULL, 10);
		width = d > width ? d : width;
		top = x > top ? x : top;
	}
	const char *last = set->n ? set->files[set->n - 1].version.text : NULL;
	size_t ld = last ? strspn(last, "0123456789") : 13;
	if (ld == 17) {
		char *s = layout_utc_format(ms / 1000, "%Y%m%d%H%M%S");
		char *v = xasprintf("%s%03lld", s, ms % 1000);
		free(s);
		return v;
	}
	if (ld == 13)
		return xasprintf("%lld", ms);
	return xasprintf("%0*llu", (int)(width > 4 ? width : 4), top + 1);
}

/*
 * As "node-pg-migrate create NAME --migration-file-language sql" makes it
 * (bin/node-pg-migrate.js: the name's "_" turned into "-"; Migration.create):
 * "<prefix>_<name>.sql", a copy of templates/migration-template.sql, made
 * with O_EXCL.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	char *prefix = npm_prefix(set);
	char *fname = xasprintf("%s_%s.sql", prefix, name);
	for (char *c = fname + strlen(prefix) + 1; *c; c++)
		if (*c == '_')
			*c = '-';
	const struct layout_new_file files[] = {{fname, "-- Up Migration\n\n-- Down Migration"}};
	int rc = layout_create_files(dir, NULL, files, 1, path, err);
	free(prefix);
	free(fname);
	return rc;
}

const struct layout layout_node_pg_migrate = {
	.create = create,
	.name = "node-pg-migrate",
	.read_marker = read_marker,
	.examples = examples,
	.detect = detect,
	.scan = scan,
};
