/*
 * pop.c: pop's (soda's) layout, as gobuffalo/pop's migration_info.go
 * (ParseMigrationFilename: ^(\d+)_([^.]+)(\.[a-z0-9]+)?\.(up|down)\.(sql|fizz)$,
 * the dialect's synonyms), file_migrator.go and migrator.go read it: the
 * version is the leading digits, compared as text (Migrations.Less), a
 * postgres-only file before a file for all dialects of the same version and
 * the first kept (SortAndFilter), files of another dialect skipped; each
 * migration runs in a transaction of its own as one Exec. An SQL file is
 * rendered as a Go template (MigrationContent) and a .fizz file translated:
 * pgboot cannot do either, so a .fizz file, a "{{" in a file (the text is
 * the same only without one) or a subdirectory (pop walks it) is refused.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "layout.h"
#include "layout_scan.h"
#include "xmem.h"

enum pop_match { POP_NONE, POP_SQL, POP_FIZZ };

/* the name's parts: the dialect (between name and direction, without its '.'; "" for all) */
static enum pop_match pop_match(const char *f, struct layout_part *p, char **dialect)
{
	size_t n = strlen(f), d = 0;
	while (d < n && f[d] >= '0' && f[d] <= '9')
		d++;
	if (d == 0 || d >= n || f[d] != '_')
		return POP_NONE;
	size_t ns = d + 1, ne = ns;
	while (ne < n && f[ne] != '.')
		ne++;
	if (ne == ns)
		return POP_NONE;
	/* the rest: (\.[a-z0-9]+)?\.(up|down)\.(sql|fizz) */
	const char *rest = f + ne;
	enum pop_match kind;
	size_t rl = strlen(rest), tail;
	if (rl >= 4 && strcmp(rest + rl - 4, ".sql") == 0)
		kind = POP_SQL, tail = 4;
	else if (rl >= 5 && strcmp(rest + rl - 5, ".fizz") == 0)
		kind = POP_FIZZ, tail = 5;
	else
		return POP_NONE;
	size_t k = rl - tail; /* rest[0..k) is (\.[a-z0-9]+)?\.(up|down) */
	int down;
	if (k >= 3 && memcmp(rest + k - 3, ".up", 3) == 0)
		down = 0, k -= 3;
	else if (k >= 5 && memcmp(rest + k - 5, ".down", 5) == 0)
		down = 1, k -= 5;
	else
		return POP_NONE;
	if (k == 1)
		return POP_NONE;
	for (size_t i = 1; i < k; i++)
		if (!((rest[i] >= 'a' && rest[i] <= 'z') || (rest[i] >= '0' && rest[i] <= '9')))
			return POP_NONE;
	if (k && rest[0] != '.')
		return POP_NONE;
	p->version = xasprintf("%.*s", (int)d, f);
	p->name = xasprintf("%.*s", (int)(ne - ns), f + ns);
	p->down = down;
	*dialect = k ? xasprintf("%.*s", (int)(k - 1), rest + 1) : xstrdup("");
	return kind;
}

/* pop's normalizeSynonyms and DialectSupported: 1 postgres, 0 another dialect pop knows, -1 unknown */
static int pop_dialect(const char *d)
{
	static const char *const pg[] = {"postgres", "postgresql", "pg"};
	static const char *const other[] = {"cockroach", "cockroachdb", "crdb", "mysql", "mariadb", "sqlite3", "sqlite"};
	for (size_t i = 0; i < sizeof(pg) / sizeof(pg[0]); i++)
		if (strcmp(d, pg[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (strcmp(d, other[i]) == 0)
			return 0;
	return -1;
}

/* the first line with "{{" in path, 0 when none */
static int template_line(const char *path)
{
	char *data;
	size_t len;
	struct pgb_error e;
	pgb_error_init(&e);
	if (source_read_file(path, &data, &len, &e)) {
		pgb_error_free(&e);
		return 0;
	}
	int line = 1, found = 0;
	for (size_t i = 0; i + 1 < len && !found; i++) {
		if (data[i] == '\n')
			line++;
		else if (data[i] == '{' && data[i + 1] == '{')
			found = line;
	}
	free(data);
	return found;
}

int layout_pop_marks(const char *dir, char **why)
{
	char **names;
	size_t n;
	if (layout_list_quiet(dir, &names, &n))
		return 0;
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		struct layout_part p = {0};
		char *dialect = NULL;
		enum pop_match k = pop_match(names[i], &p, &dialect);
		if (k == POP_FIZZ) {
			r = 1;
			*why = xasprintf("\"%s\" is a fizz migration", names[i]);
		} else if (k == POP_SQL && dialect[0] && pop_dialect(dialect) >= 0) {
			r = 1;
			*why = xasprintf("\"%s\" names a pop dialect", names[i]);
		} else if (k == POP_SQL) {
			char *path = source_join(dir, names[i]);
			int line = template_line(path);
			if (line) {
				r = 1;
				*why = xasprintf("\"%s\" line %d has a Go template action", names[i], line);
			}
			free(path);
		}
		free(p.version);
		free(p.name);
		free(dialect);
	}
	layout_list_free(names, n);
	return r;
}

struct pop_part {
	struct layout_part p;
	int all; /* for all dialects */
};

static int by_text(const void *a, const void *b)
{
	const struct pop_part *x = a, *y = b;
	int c = strcmp(x->p.version, y->p.version);
	if (c)
		return c;
	if (x->p.down != y->p.down)
		return x->p.down - y->p.down;
	if (x->all != y->all)
		return x->all - y->all; /* the postgres file first */
	return strcmp(x->p.path, y->p.path);
}

static int pop_refuse(const char *path, int line, const char *what, const char *hint, struct pgb_error *err)
{
	if (line)
		pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" line %d: %s", path, line, what);
	else
		pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\": %s", path, what);
	pgb_error_hint(err, "%s", hint);
	pgb_error_locus(err, path, line, 0);
	return -1;
}

/* 1: a part for postgres; 0: not pop's or another dialect's; -1 refused (a layout_entry_fn filling a struct pop_part) */
static int pop_part(const char *dir, const char *fname, void *item, struct pgb_error *err)
{
	struct pop_part *pp = item;
	char *dialect = NULL;
	memset(pp, 0, sizeof(*pp));
	char *path = source_join(dir, fname);
	if (layout_kind(dir, fname) == 1) {
		int r = pop_refuse(path, 0, "pop reads the migrations in subdirectories too; pgboot does not",
				   "Move its migrations into the directory itself, or the subdirectory out of it.", err);
		free(path);
		return r;
	}
	enum pop_match k = pop_match(fname, &pp->p, &dialect);
	int d = k == POP_NONE ? 0 : dialect[0] ? pop_dialect(dialect) : 1;
	int r = 0, line;
	if (k == POP_NONE && source_is_sql_name(fname))
		r = layout_refuse_stray(dir, fname, "pop",
					"files named \"<version>_<name>[.<dialect>].up.sql\" (or .down.sql, .fizz)", err);
	else if (k == POP_NONE || d == 0)
		r = 0;
	else if (d < 0)
		r = pop_refuse(path, 0, "pop does not know this dialect",
			       "pop's dialects are postgres (postgresql, pg), cockroach, mysql, mariadb and sqlite3.", err);
	else if (k == POP_FIZZ)
		r = pop_refuse(path, 0, "a fizz migration: pgboot cannot translate fizz to SQL",
			       "Write the SQL it makes (soda generate sql, or the statements of \"soda migrate\" in debug "
			       "mode) into a .sql file of the same version and name.",
			       err);
	else if ((line = template_line(path)) != 0)
		r = pop_refuse(path, line, "a Go template construct \"{{\": pop renders SQL files as templates, pgboot "
					   "does not",
			       "Write the SQL the template renders for postgres in its place.", err);
	else
		r = 1;
	if (r == 1) {
		pp->p.path = path;
		pp->all = dialect[0] == '\0';
	} else {
		free(path);
		free(pp->p.version);
		free(pp->p.name);
		memset(pp, 0, sizeof(*pp));
	}
	free(dialect);
	return r;
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	size_t np;
	int rc;
	struct pop_part *pps = layout_collect(dir, sizeof(*pps), pop_part, &np, &rc, err);
	if (!pps)
		return -1;
	qsort(pps, np, sizeof(*pps), by_text);
	/* SortAndFilter: of one version and direction, the first (the postgres file) is kept */
	struct layout_part *parts = xcalloc(np ? np : 1, sizeof(*parts));
	size_t kept = 0;
	for (size_t i = 0; i < np; i++) {
		if (kept && strcmp(parts[kept - 1].version, pps[i].p.version) == 0 && parts[kept - 1].down == pps[i].p.down &&
		    pps[i].all && !pps[i - 1].all) {
			free(pps[i].p.path);
			free(pps[i].p.version);
			free(pps[i].p.name);
			continue;
		}
		parts[kept++] = pps[i].p;
	}
	free(pps);
	if (rc == 0)
		rc = layout_pair(parts, kept, "pop", NULL, out, err);
	layout_parts_free(parts, kept);
	if (rc)
		migset_free(out);
	return rc;
}

static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	return layout_pop_marks(dir, why);
}

/*
 * As "soda generate sql NAME" makes them for a postgres connection
 * (genny/fizz/cempty: options.go names "<UTC 20060102150405>_<name>",
 * create_empty.go adds ".<translator>.up.sql" and ".down.sql", both empty):
 * "<YYYYMMDDHHMMSS>_<name>.postgres.up.sql" and ".postgres.down.sql", made
 * with O_EXCL. *path: the up file.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	(void)set;
	char *v = layout_utc_format((long long)time(NULL), "%Y%m%d%H%M%S");
	int rc = layout_create_updown(dir, v, name, ".postgres", path, err);
	free(v);
	return rc;
}

const struct layout layout_pop = {
	.name = "pop",
	.detect = detect,
	.scan = scan,
	.create = create,
};
