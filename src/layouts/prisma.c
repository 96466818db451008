/*
 * prisma.c: prisma migrate's layout, as packages/migrate's listMigrations
 * (src/utils/listMigrations.ts) and the schema engine read it: every
 * directory directly in the directory is a migration, its migration.sql
 * read (a directory without one is an error, as for prisma), sorted by
 * name; the history's migration_name is the directory name (migfile's
 * tool_id), pgboot's version its leading timestamp. migration_lock.toml
 * names the provider: another than postgresql is refused. The engine sends
 * migration.sql as one script (one transaction for several statements, none
 * for one: layout_lone_statement); prisma has no down parts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "layout.h"
#include "layout_scan.h"
#include "xmem.h"

/* migration_lock.toml's provider, when it says one other than postgresql: 78 */
static int prisma_provider(const char *dir, struct pgb_error *err)
{
	if (layout_kind(dir, "migration_lock.toml") != 2)
		return 0;
	char *path = source_join(dir, "migration_lock.toml"), *data;
	size_t len;
	int rc = source_read_file(path, &data, &len, err);
	if (rc == 0) {
		char *p = strstr(data, "provider");
		if (p && (p == data || p[-1] == '\n')) {
			char *q = strchr(p, '"');
			char *e = q ? strchr(q + 1, '"') : NULL;
			if (e && (e - q - 1 != 10 || memcmp(q + 1, "postgresql", 10) != 0)) {
				pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" says provider \"%.*s\"", path, (int)(e - q - 1), q + 1);
				pgb_error_detail(err, "pgboot runs migrations written for PostgreSQL (provider \"postgresql\").");
				pgb_error_locus(err, path, 0, 0);
				rc = -1;
			}
		}
		free(data);
	}
	free(path);
	return rc;
}

static int prisma_add(const char *dir, const char *d, struct migset *out, struct pgb_error *err)
{
	char *mdir = source_join(dir, d), *sql = source_join(mdir, "migration.sql");
	size_t k = strspn(d, "0123456789");
	int rc = -1;
	if (layout_kind(mdir, "migration.sql") != 2) {
		pgb_fail(err, PGB_EXIT_CONFIG, "migration directory \"%s\" has no migration.sql", mdir);
		pgb_error_detail(err, "prisma migrate fails on it too.");
		pgb_error_hint(err, "Add its migration.sql, or move the directory out of \"%s\".", dir);
		pgb_error_locus(err, mdir, 0, 0);
	} else if (k == 0 || d[k] != '_') {
		pgb_fail(err, PGB_EXIT_CONFIG, "migration directory \"%s\" does not start with a timestamp and '_'", mdir);
		pgb_error_detail(err, "pgboot's version of a prisma migration is its directory's leading digits "
				      "(\"20240101120000_init\").");
		pgb_error_locus(err, mdir, 0, 0);
	} else {
		char *v = xasprintf("%.*s", (int)k, d);
		rc = layout_add(out, sql, NULL, v, d + k + 1, d, err);
		free(v);
		if (rc == 0)
			layout_lone_statement(&out->files[out->n - 1]);
	}
	free(mdir);
	free(sql);
	return rc;
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	char **names;
	size_t n;
	if (prisma_provider(dir, err) || layout_list(dir, &names, &n, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (layout_kind(dir, names[i]) == 1)
			rc = prisma_add(dir, names[i], out, err);
		else if (source_is_sql_name(names[i]))
			rc = layout_refuse_stray(dir, names[i], "prisma",
						 "only directories \"<timestamp>_<name>\" holding migration.sql", err);
	layout_list_free(names, n);
	if (rc == 0)
		rc = layout_check_order(out, "prisma", err);
	if (rc)
		migset_free(out);
	return rc;
}

static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	if (layout_kind(dir, "migration_lock.toml") == 2) {
		*why = xstrdup("migration_lock.toml exists");
		return 1;
	}
	return layout_detect_subdir_file(dir, "0123456789", "migration.sql", why);
}

/*
 * prisma writes a migration from a diff of its schema; what "prisma migrate
 * dev --create-only --name NAME" makes when the schema has not changed:
 * the directory "<YYYYMMDDHHMMSS>_<name>" (the schema engine's
 * generate_migration_directory_name: format_utc_now("%Y%m%d%H%M%S")) with a
 * migration.sql holding the engine's empty script, "-- This is an empty
 * migration.". *path: the directory.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	(void)set;
	static const struct layout_new_file files[] = {{"migration.sql", "-- This is an empty migration."}};
	char *v = layout_utc_format((long long)time(NULL), "%Y%m%d%H%M%S");
	char *sub = xasprintf("%s_%s", v, name);
	int rc = layout_create_files(dir, sub, files, 1, path, err);
	free(v);
	free(sub);
	return rc;
}

const struct layout layout_prisma = {
	.name = "prisma",
	.detect = detect,
	.scan = scan,
	.create = create,
};
