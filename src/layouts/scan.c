/*
 * scan.c: what the layouts' directory scanners share (layout_scan.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "exitcode.h"
#include "layout.h"
#include "layout_scan.h"
#include "sqlsplit.h"
#include "stmt.h"
#include "xmem.h"

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void layout_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int layout_list(const char *dir, char ***names, size_t *n, struct pgb_error *err)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return pgb_fail(err, PGB_EXIT_CONFIG, "directory \"%s\" does not exist", dir);
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open directory \"%s\": %m", dir);
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		*names = xrealloc(*names, sizeof(char *) * (*n + 1));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	int saved = errno;
	closedir(d);
	if (saved) {
		errno = saved;
		layout_list_free(*names, *n);
		*names = NULL;
		*n = 0;
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not read directory \"%s\": %m", dir);
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), by_bytes);
	return 0;
}

/* the items fn fills from dir's entries, as layout_collect's comment in layout_scan.h says */
void *layout_collect(const char *dir, size_t size, layout_entry_fn fn, size_t *count, int *rc, struct pgb_error *err)
{
	char **names;
	size_t n;
	*count = 0;
	*rc = -1;
	if (layout_list(dir, &names, &n, err))
		return NULL;
	char *items = xcalloc(n ? n : 1, size);
	*rc = 0;
	for (size_t i = 0; i < n && *rc == 0; i++) {
		int r = fn(dir, names[i], items + *count * size, err);
		*rc = r < 0 ? -1 : 0;
		*count += r == 1;
	}
	layout_list_free(names, n);
	return items;
}

/* layout_list with its error dropped: detectors treat an unlistable directory as not theirs */
int layout_list_quiet(const char *dir, char ***names, size_t *n)
{
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = layout_list(dir, names, n, &e);
	pgb_error_free(&e);
	return rc;
}

/* a "<prefix chars>_<name>" directory of dir holding the regular file file: 1 with *why naming it */
int layout_detect_subdir_file(const char *dir, const char *prefix, const char *file, char **why)
{
	char **names;
	size_t n;
	if (layout_list_quiet(dir, &names, &n))
		return 0;
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		const char *s = names[i];
		size_t k = strspn(s, prefix);
		if (k == 0 || s[k] != '_' || layout_kind(dir, s) != 1)
			continue;
		char *sub = source_join(dir, s);
		if (layout_kind(sub, file) == 2) {
			r = 1;
			*why = xasprintf("\"%s/%s\" exists", s, file);
		}
		free(sub);
	}
	layout_list_free(names, n);
	return r;
}

/* the empty up and down files "<version>_<name><infix>.up.sql" / ".down.sql" of golang-migrate and pop */
int layout_create_updown(const char *dir, const char *version, const char *name, const char *infix, char **path,
			 struct pgb_error *err)
{
	char *up = xasprintf("%s_%s%s.up.sql", version, name, infix);
	char *down = xasprintf("%s_%s%s.down.sql", version, name, infix);
	const struct layout_new_file files[] = {{up, ""}, {down, ""}};
	int rc = layout_create_files(dir, NULL, files, 2, path, err);
	free(up);
	free(down);
	return rc;
}

int layout_kind(const char *dir, const char *name)
{
	char *p = source_join(dir, name);
	int r = source_path_kind(p);
	free(p);
	return r;
}

int layout_all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int layout_add(struct migset *out, const char *up_path, const char *down_path, const char *version,
	       const char *name, const char *tool_id, struct pgb_error *err)
{
	struct pgb_version v;
	if (version_parse_text(version, &v) != 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid version \"%s\" of \"%s\"", version, up_path);
		pgb_error_locus(err, up_path, 0, 0);
		return -1;
	}
	if (migfile_validate_name(up_path, err)) {
		version_free(&v);
		return -1;
	}
	out->files = xrealloc(out->files, sizeof(struct migfile) * (out->n + 1));
	struct migfile *mf = &out->files[out->n++];
	memset(mf, 0, sizeof(*mf));
	mf->kind = MIG_MIGRATION;
	mf->path = xstrdup(up_path);
	mf->version = v;
	mf->name = xstrdup(name);
	mf->tool_id = tool_id ? xstrdup(tool_id) : NULL;
	char *up, *down = NULL;
	size_t up_len, down_len = 0;
	if (source_read_file(up_path, &up, &up_len, err))
		return -1;
	if (down_path && source_read_file(down_path, &down, &down_len, err)) {
		free(up);
		return -1;
	}
	int rc = migfile_load_split(mf, up, up_len, down, down_len, down_path, err);
	free(down);
	return rc;
}

int layout_check_order(const struct migset *out, const char *tool, struct pgb_error *err)
{
	for (size_t i = 1; i < out->n; i++) {
		const struct migfile *a = &out->files[i - 1], *b = &out->files[i];
		int c = version_compare(&a->version, &b->version);
		if (c < 0)
			continue;
		if (c == 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "duplicate version %s: \"%s\" and \"%s\"", b->version.text, a->path,
				 b->path);
			pgb_error_detail(err, "Both names start with the same number, which is the version pgboot's "
					      "history is keyed by (as read in %s's layout).", tool);
		} else {
			pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" comes before \"%s\" in %s's order but has a larger version",
				 a->path, b->path, tool);
			pgb_error_detail(err, "%s orders these names as text; pgboot orders versions as numbers, so "
					      "the two would run in different orders.", tool);
		}
		pgb_error_hint(err, "Renumber one of them (the same number of digits for every version).");
		pgb_error_locus(err, b->path, 0, 0);
		return -1;
	}
	return 0;
}

/* 1 when text[0..len) is one SQL statement that cannot share a transaction block */
static int lone_unblockable(const char *text, size_t len)
{
	struct sql_script s;
	struct pgb_error e;
	pgb_error_init(&e);
	struct sqlsplit_opts o = {.standard_conforming_strings = 1, .one_message = 1};
	if (sql_split(text, len, &o, &s, &e)) {
		pgb_error_free(&e);
		return 0;
	}
	int r = s.n == 1 && s.stmts[0].kind == SQL_STMT_SQL && stmt_txn(text, &s.stmts[0]) == STMT_TXN_NONE &&
		!stmt_fits_block(text, &s.stmts[0]);
	sql_script_free(&s);
	return r;
}

void layout_lone_statement(struct migfile *mf)
{
	if (!mf->no_transaction && lone_unblockable(mf->content, mf->up_len))
		mf->no_transaction = 1;
	if (migfile_has_down(mf) && !mf->down_no_transaction &&
	    lone_unblockable(mf->content + mf->down_start, mf->len - mf->down_start))
		mf->down_no_transaction = 1;
}

void layout_parts_free(struct layout_part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(parts[i].path);
		free(parts[i].version);
		free(parts[i].name);
	}
	free(parts);
}

static int same_version(const struct layout_part *a, const struct layout_part *b)
{
	struct pgb_version x, y;
	if (version_parse_text(a->version, &x) != 0)
		return 0;
	if (version_parse_text(b->version, &y) != 0) {
		version_free(&x);
		return 0;
	}
	int r = version_compare(&x, &y) == 0;
	version_free(&x);
	version_free(&y);
	return r;
}

int layout_pair(const struct layout_part *parts, size_t n, const char *tool, char *(*tool_id)(const char *version),
		struct migset *out, struct pgb_error *err)
{
	for (size_t i = 0; i < n;) {
		const struct layout_part *up = NULL, *down = NULL;
		size_t j = i;
		for (; j < n && same_version(&parts[i], &parts[j]); j++) {
			const struct layout_part **slot = parts[j].down ? &down : &up;
			if (*slot) {
				pgb_fail(err, PGB_EXIT_CONFIG, "two %s files of version %s: \"%s\" and \"%s\"",
					 parts[j].down ? "down" : "up", parts[j].version, (*slot)->path, parts[j].path);
				pgb_error_hint(err, "%s refuses them too; renumber or remove one of them.", tool);
				pgb_error_locus(err, parts[j].path, 0, 0);
				return -1;
			}
			*slot = &parts[j];
		}
		if (!up) {
			pgb_fail(err, PGB_EXIT_CONFIG, "down file \"%s\" has no up file", down->path);
			pgb_error_hint(err, "Add the up file of version %s, or remove the down file.", down->version);
			pgb_error_locus(err, down->path, 0, 0);
			return -1;
		}
		char *id = tool_id ? tool_id(up->version) : NULL;
		int rc = layout_add(out, up->path, down ? down->path : NULL, up->version, up->name, id, err);
		free(id);
		if (rc)
			return -1;
		i = j;
	}
	return layout_check_order(out, tool, err);
}

static const struct {
	const char *dialect;
	const char *ups[3];
} marker_ups[] = {
	{"dbmate", {"-- migrate:up", "--migrate:up", NULL}},
	{"goose", {"-- +goose Up", "-- +goose up", "-- +goose UP"}},
	{"sql-migrate", {"-- +migrate Up", NULL, NULL}},
};

/* 1 when data[0..len) has a line starting with one of marker_ups[k]'s up markers */
static int has_marker(const char *data, size_t len, size_t k)
{
	for (size_t i = 0; i < len; i++) {
		if (i && data[i - 1] != '\n')
			continue;
		for (size_t m = 0; m < 3 && marker_ups[k].ups[m]; m++) {
			size_t w = strlen(marker_ups[k].ups[m]);
			if (len - i >= w && memcmp(data + i, marker_ups[k].ups[m], w) == 0)
				return 1;
		}
	}
	return 0;
}

#define NDIALECTS (sizeof(marker_ups) / sizeof(marker_ups[0]))

/* found[k]: the first .sql file of dir with dialect k's up marker (malloc'd), or NULL; each file read once */
static void marker_files(const char *dir, char *found[NDIALECTS])
{
	memset(found, 0, sizeof(char *) * NDIALECTS);
	char **names;
	size_t n;
	if (layout_list_quiet(dir, &names, &n))
		return;
	struct pgb_error e;
	pgb_error_init(&e);
	for (size_t i = 0; i < n; i++) {
		if (!source_is_sql_name(names[i]) || layout_kind(dir, names[i]) != 2)
			continue;
		char *p = source_join(dir, names[i]), *data;
		size_t len;
		if (source_read_file(p, &data, &len, &e) == 0) {
			for (size_t k = 0; k < NDIALECTS; k++)
				if (!found[k] && has_marker(data, len, k))
					found[k] = xstrdup(names[i]);
			free(data);
		} else {
			pgb_error_free(&e);
			pgb_error_init(&e);
		}
		free(p);
	}
	layout_list_free(names, n);
}

/* marker_files of one directory while layout_detect_begin holds: each file read once for every dialect */
static struct {
	int on;
	char *dir;
	char *found[NDIALECTS];
} marker_memo;

void layout_detect_begin(void)
{
	layout_detect_end();
	marker_memo.on = 1;
}

void layout_detect_end(void)
{
	free(marker_memo.dir);
	for (size_t k = 0; k < NDIALECTS; k++)
		free(marker_memo.found[k]);
	memset(&marker_memo, 0, sizeof(marker_memo));
}

int layout_detect_markers(const char *dir, const char *dialect, char **why)
{
	size_t nk = NDIALECTS, mine = nk;
	char *own[NDIALECTS];
	char **found = own;
	if (marker_memo.on) {
		if (!marker_memo.dir || strcmp(marker_memo.dir, dir) != 0) {
			free(marker_memo.dir);
			for (size_t k = 0; k < nk; k++)
				free(marker_memo.found[k]);
			marker_files(dir, marker_memo.found);
			marker_memo.dir = xstrdup(dir);
		}
		found = marker_memo.found;
	} else {
		marker_files(dir, own);
	}
	int count = 0;
	for (size_t k = 0; k < nk; k++) {
		count += found[k] != NULL;
		if (strcmp(marker_ups[k].dialect, dialect) == 0)
			mine = k;
	}
	int r = mine < nk && found[mine] && count == 1;
	if (r)
		*why = xasprintf("\"%s\" has %s's up marker", found[mine], dialect);
	if (found == own)
		for (size_t k = 0; k < nk; k++)
			free(own[k]);
	return r;
}

int layout_refuse_stray(const char *dir, const char *fname, const char *tool, const char *reads,
			struct pgb_error *err)
{
	char *path = source_join(dir, fname);
	pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" is not a %s migration: %s would leave it out", path, tool, tool);
	pgb_error_detail(err, "%s reads %s.", tool, reads);
	pgb_error_hint(err, "Make it one of %s's migrations, move it out of \"%s\", or read the directory as another "
			    "layout with --layout (PGBOOT_LAYOUT).", tool, dir);
	pgb_error_locus(err, path, 0, 0);
	free(path);
	return -1;
}

void layout_split_name(const char *fname, size_t digits, char **version, char **name)
{
	*version = xasprintf("%.*s", (int)digits, fname);
	const char *s = fname + digits;
	if (*s == '_')
		s++;
	size_t n = strlen(s);
	if (n >= 4 && strcasecmp(s + n - 4, ".sql") == 0)
		n -= 4;
	*name = xasprintf("%.*s", (int)n, s);
}

static layout_order_fn flat_order;

static int by_flat_order(const void *a, const void *b)
{
	return flat_order(*(char *const *)a, *(char *const *)b);
}

static int flat_add(struct migset *out, const char *path, char *version, char *name, const char *tool_id,
		    struct pgb_error *err)
{
	struct pgb_version v;
	int bad = version_parse_text(version, &v) != 0;
	free(version);
	if (bad) {
		free(name);
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid version of \"%s\"", path);
		pgb_error_locus(err, path, 0, 0);
		return -1;
	}
	out->files = xrealloc(out->files, sizeof(struct migfile) * (out->n + 1));
	struct migfile *mf = &out->files[out->n++];
	memset(mf, 0, sizeof(*mf));
	mf->kind = MIG_MIGRATION;
	mf->path = xstrdup(path);
	mf->version = v;
	mf->name = name;
	mf->tool_id = tool_id ? xstrdup(tool_id) : NULL;
	char *data;
	size_t len;
	if (migfile_validate_name(path, err) || source_read_file(path, &data, &len, err))
		return -1;
	return migfile_load(mf, data, len, err);
}

int layout_scan_flat(const char *dir, const char *tool, const char *reads, layout_name_fn rule, layout_order_fn order,
		     int tool_id_is_name, struct migset *out, struct pgb_error *err)
{
	char **names;
	size_t n;
	if (layout_list(dir, &names, &n, err))
		return -1;
	flat_order = order;
	if (n > 1)
		qsort(names, n, sizeof(char *), by_flat_order);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (layout_kind(dir, names[i]) == 1)
			continue;
		char *version = NULL, *name = NULL;
		const char *why = NULL;
		int r = rule(names[i], &version, &name, &why);
		char *path = source_join(dir, names[i]);
		if (r > 0) {
			rc = flat_add(out, path, version, name, tool_id_is_name ? names[i] : NULL, err);
		} else if (r < 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\": %s", path, why);
			pgb_error_detail(err, "%s reads %s.", tool, reads);
			pgb_error_locus(err, path, 0, 0);
			rc = -1;
		} else if (source_is_sql_name(names[i])) {
			rc = layout_refuse_stray(dir, names[i], tool, reads, err);
		}
		free(path);
	}
	layout_list_free(names, n);
	if (rc == 0)
		rc = layout_check_order(out, tool, err);
	if (rc)
		migset_free(out);
	return rc;
}
