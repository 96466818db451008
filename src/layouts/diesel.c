/*
 * diesel.c: diesel's layout, as diesel_migrations' file_based_migrations.rs
 * (migrations_directories, SqlFileMigration) and migrations_internals
 * (valid_sql_migration_directory, version_from_string, TomlMetadata) read
 * it: every directory directly in the directory (names starting with '.'
 * skipped) is a migration and must hold up.sql (down.sql optional); its
 * version is the name up to the first '_' with every '-' removed
 * ("2022-10-23-135826_x" is 20221023135826; "00000000000000_diesel_initial_setup"
 * is 0), ordered as text (diesel's Version); each runs in a transaction of
 * its own, its up and down alike, unless its metadata.toml says
 * run_in_transaction = false.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "layout.h"
#include "layout_scan.h"
#include "xmem.h"

struct diesel_dir {
	char *dir, *version, *name;
};

static int by_version_text(const void *a, const void *b)
{
	const struct diesel_dir *x = a, *y = b;
	int c = strcmp(x->version, y->version);
	return c ? c : strcmp(x->dir, y->dir);
}

/* "2022-10-23-135826_create_users": version "20221023135826", name "create_users" */
static void diesel_name(const char *d, char **version, char **name)
{
	const char *us = strchr(d, '_');
	size_t vl = us ? (size_t)(us - d) : strlen(d);
	char *v = xmalloc(vl + 1);
	size_t k = 0;
	for (size_t i = 0; i < vl; i++)
		if (d[i] != '-')
			v[k++] = d[i];
	v[k] = '\0';
	*version = v;
	*name = xstrdup(us ? us + 1 : "");
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * metadata.toml's run_in_transaction: 1 when it says false, 0 when it says
 * true or nothing, -1 with err for a line pgboot cannot read (a table, an
 * unknown value of the key).
 */
static int diesel_no_transaction(const char *path, struct pgb_error *err)
{
	char *data;
	size_t len;
	if (source_read_file(path, &data, &len, err))
		return -1;
	int r = 0, line = 0;
	for (char *s = data; *s && r >= 0;) {
		char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		line++;
		size_t i = 0;
		while (i < n && blank(s[i]))
			i++;
		size_t k = strlen("run_in_transaction");
		if (n - i >= k && memcmp(s + i, "run_in_transaction", k) == 0) {
			i += k;
			while (i < n && blank(s[i]))
				i++;
			if (i < n && s[i] == '=') {
				i++;
				while (i < n && blank(s[i]))
					i++;
				size_t vs = i;
				while (i < n && !blank(s[i]) && s[i] != '#')
					i++;
				size_t vl = i - vs;
				while (i < n && blank(s[i]))
					i++;
				int comment_or_end = i == n || s[i] == '#';
				if (comment_or_end && vl == 5 && memcmp(s + vs, "false", 5) == 0)
					r = 1;
				else if (comment_or_end && vl == 4 && memcmp(s + vs, "true", 4) == 0)
					r = 0;
				else
					r = -1;
			} else {
				r = -1;
			}
			if (r < 0) {
				pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" line %d: run_in_transaction must be true or false", path,
					 line);
				pgb_error_locus(err, path, line, 0);
			}
		}
		s = e ? e + 1 : s + n;
	}
	free(data);
	return r;
}

static int diesel_add(const char *dir, const struct diesel_dir *d, struct migset *out, struct pgb_error *err)
{
	char *mdir = source_join(dir, d->dir);
	char *up = source_join(mdir, "up.sql"), *down = source_join(mdir, "down.sql");
	char *meta = source_join(mdir, "metadata.toml");
	int rc = -1, has_down = layout_kind(mdir, "down.sql") == 2, nt = 0;
	if (layout_kind(mdir, "up.sql") != 2) {
		pgb_fail(err, PGB_EXIT_CONFIG, "migration directory \"%s\" has no up.sql", mdir);
		pgb_error_detail(err, "diesel refuses it too (an unknown migration format).");
		pgb_error_hint(err, "Add its up.sql, or move the directory out of \"%s\".", dir);
		pgb_error_locus(err, mdir, 0, 0);
	} else if (!layout_all_digits(d->version, strlen(d->version))) {
		pgb_fail(err, PGB_EXIT_CONFIG, "migration directory \"%s\" has no version pgboot can read", mdir);
		pgb_error_detail(err, "diesel's version is the name up to its first '_' without '-': \"%s\"; pgboot's "
				      "versions are digits.", d->version);
		pgb_error_locus(err, mdir, 0, 0);
	} else if (layout_kind(mdir, "metadata.toml") == 2 && (nt = diesel_no_transaction(meta, err)) < 0) {
		/* err says why */
	} else if (layout_add(out, up, has_down ? down : NULL, d->version, d->name, NULL, err) == 0) {
		struct migfile *mf = &out->files[out->n - 1];
		mf->no_transaction |= nt;
		mf->down_no_transaction |= nt && migfile_has_down(mf);
		rc = 0;
	}
	free(mdir);
	free(up);
	free(down);
	free(meta);
	return rc;
}

/* a directory of dir as a struct diesel_dir (layout_entry_fn); a .sql file beside them refused */
static int diesel_entry(const char *dir, const char *name, void *item, struct pgb_error *err)
{
	struct diesel_dir *d = item;
	if (layout_kind(dir, name) != 1)
		return source_is_sql_name(name) ? layout_refuse_stray(dir, name, "diesel",
								       "only directories \"<version>_<name>\" holding up.sql", err)
						: 0;
	d->dir = xstrdup(name);
	diesel_name(name, &d->version, &d->name);
	return 1;
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	size_t nd;
	int rc;
	struct diesel_dir *ds = layout_collect(dir, sizeof(*ds), diesel_entry, &nd, &rc, err);
	if (!ds)
		return -1;
	qsort(ds, nd, sizeof(*ds), by_version_text);
	for (size_t i = 0; i < nd && rc == 0; i++)
		rc = diesel_add(dir, &ds[i], out, err);
	if (rc == 0)
		rc = layout_check_order(out, "diesel", err);
	for (size_t i = 0; i < nd; i++) {
		free(ds[i].dir);
		free(ds[i].version);
		free(ds[i].name);
	}
	free(ds);
	if (rc)
		migset_free(out);
	return rc;
}

/* a "<digits and dashes>_<name>" directory holding up.sql */
static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	return layout_detect_subdir_file(dir, "0123456789-", "up.sql", why);
}

/*
 * As "diesel migration generate NAME" makes it (diesel_cli
 * src/migrations/mod.rs: migration_version, Utc::now() in TIMESTAMP_FORMAT
 * "%Y-%m-%d-%H%M%S"; generate_sql_migration's two comment lines): the
 * directory "<YYYY-MM-DD-HHMMSS>_<name>" (which must not exist) with up.sql
 * and down.sql. *path: the directory.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	(void)set;
	static const struct layout_new_file files[] = {
		{"up.sql", "-- Your SQL goes here\n"},
		{"down.sql", "-- This file should undo anything in `up.sql`\n"},
	};
	char *v = layout_utc_format((long long)time(NULL), "%Y-%m-%d-%H%M%S");
	char *sub = xasprintf("%s_%s", v, name);
	int rc = layout_create_files(dir, sub, files, 2, path, err);
	free(v);
	free(sub);
	return rc;
}

const struct layout layout_diesel = {
	.name = "diesel",
	.detect = detect,
	.scan = scan,
	.create = create,
};
