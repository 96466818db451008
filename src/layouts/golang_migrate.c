/*
 * golang_migrate.c: golang-migrate's layout, as source/parse.go (Regex,
 * Parse) and source/iofs (ReadUp, ReadDown) read it: every file directly in
 * the directory named ^([0-9]+)_(.*)\.(down|up)\.(.*)$ (the name greedy: the
 * last ".up." or ".down."), its version strconv.ParseUint of the digits,
 * ordered by that number; the up and down parts in files of their own. The
 * postgres driver (database/postgres Run) sends a file as one Query message:
 * one transaction for several statements, none for one, which pgboot's one
 * message mode matches (layout_lone_statement for a lone CREATE INDEX
 * CONCURRENTLY). A name golang-migrate would skip (a version beyond 2^64-1)
 * or run as SQL with another extension is refused rather than skipped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "layout.h"
#include "layout_scan.h"
#include "xmem.h"

/*
 * 1 with the parts of a name the regex matches (*ext: the text after the
 * direction, borrowed), 0 when it does not match.
 */
static int gm_match(const char *f, struct layout_part *p, const char **ext)
{
	size_t n = strlen(f), d = 0;
	while (d < n && f[d] >= '0' && f[d] <= '9')
		d++;
	if (d == 0 || d >= n || f[d] != '_')
		return 0;
	for (size_t i = n; i-- > d + 1;) { /* the name is greedy: the last ".up." or ".down." */
		int up = n - i >= 4 && memcmp(f + i, ".up.", 4) == 0;
		int down = n - i >= 6 && memcmp(f + i, ".down.", 6) == 0;
		if (!up && !down)
			continue;
		p->version = xasprintf("%.*s", (int)d, f);
		p->name = xasprintf("%.*s", (int)(i - d - 1), f + d + 1);
		p->down = down;
		*ext = f + i + (up ? 4 : 6);
		return 1;
	}
	return 0;
}

static int gm_version_ok(const char *digits)
{
	errno = 0;
	char *end;
	unsigned long long v = strtoull(digits, &end, 10);
	(void)v;
	return errno == 0 && *end == '\0';
}

static char *gm_tool_id(const char *version)
{
	unsigned long long v = strtoull(version, NULL, 10);
	char *s = xasprintf("%llu", v);
	if (strcmp(s, version) == 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int by_number(const void *a, const void *b)
{
	const struct layout_part *x = a, *y = b;
	unsigned long long u = strtoull(x->version, NULL, 10), v = strtoull(y->version, NULL, 10);
	if (u != v)
		return u < v ? -1 : 1;
	return strcmp(x->path, y->path);
}

static const char gm_reads[] = "files named \"<version>_<name>.up.sql\" and \"<version>_<name>.down.sql\"";

static int gm_part(const char *dir, const char *fname, struct layout_part *p, int *is, struct pgb_error *err)
{
	const char *ext;
	memset(p, 0, sizeof(*p));
	*is = gm_match(fname, p, &ext);
	if (!*is)
		return source_is_sql_name(fname) ? layout_refuse_stray(dir, fname, "golang-migrate", gm_reads, err) : 0;
	p->path = source_join(dir, fname);
	if (!gm_version_ok(p->version)) {
		pgb_fail(err, PGB_EXIT_CONFIG, "version of \"%s\" is out of range", p->path);
		pgb_error_detail(err, "golang-migrate reads a version as an unsigned 64-bit number and skips this file "
				      "without a word; pgboot refuses it.");
	} else if (strcmp(ext, "sql") != 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" is named as a golang-migrate migration but does not end in \".sql\"",
			 p->path);
		pgb_error_detail(err, "golang-migrate would run it as SQL, whatever its extension.");
		pgb_error_hint(err, "Rename it to end in \".up.sql\" or \".down.sql\", or move it out of \"%s\".", dir);
	} else {
		return 0;
	}
	pgb_error_locus(err, p->path, 0, 0);
	return -1;
}

/* a file of dir as a struct layout_part (layout_entry_fn); directories skipped */
static int gm_entry(const char *dir, const char *fname, void *item, struct pgb_error *err)
{
	struct layout_part *p = item;
	int is = 0;
	if (layout_kind(dir, fname) == 1)
		return 0;
	if (gm_part(dir, fname, p, &is, err) == 0)
		return is;
	free(p->path);
	free(p->version);
	free(p->name);
	return -1;
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	size_t np;
	int rc;
	struct layout_part *parts = layout_collect(dir, sizeof(*parts), gm_entry, &np, &rc, err);
	if (!parts)
		return -1;
	if (rc == 0) {
		qsort(parts, np, sizeof(*parts), by_number);
		rc = layout_pair(parts, np, "golang-migrate", gm_tool_id, out, err);
	}
	layout_parts_free(parts, np);
	for (size_t i = 0; rc == 0 && i < out->n; i++)
		layout_lone_statement(&out->files[i]);
	if (rc)
		migset_free(out);
	return rc;
}

static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	char **names;
	size_t n;
	if (layout_list_quiet(dir, &names, &n))
		return 0;
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		struct layout_part p;
		const char *ext;
		memset(&p, 0, sizeof(p));
		if (gm_match(names[i], &p, &ext) && !p.down && strcmp(ext, "sql") == 0 && layout_kind(dir, names[i]) == 2) {
			r = 1;
			*why = xasprintf("\"%s\" is named as golang-migrate's up files are", names[i]);
		}
		free(p.version);
		free(p.name);
	}
	layout_list_free(names, n);
	char *popwhy = NULL;
	if (r && layout_pop_marks(dir, &popwhy)) { /* pop's names are golang-migrate's too: pop's marks decide */
		free(*why);
		*why = NULL;
		r = 0;
	}
	free(popwhy);
	return r;
}

/*
 * As "migrate create -ext sql -dir DIR [-seq] NAME" makes them
 * (internal/cli/commands.go createCmd): "<version>_<name>.up.sql" and
 * ".down.sql", both empty, made with O_EXCL; the version the next number in
 * the existing files' width (-seq -digits N) or the UTC time in their format
 * (its default -format 20060102150405, -tz UTC), a timestamp in an empty
 * directory (the tool's default). *path: the up file.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	char *v = layout_next_version(set, 1, (long long)time(NULL));
	int rc = layout_create_updown(dir, v, name, "", path, err);
	free(v);
	return rc;
}

const struct layout layout_golang_migrate = {
	.name = "golang-migrate",
	.detect = detect,
	.scan = scan,
	.create = create,
};
