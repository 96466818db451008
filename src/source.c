/* source.c: discover and read migration, seed and verify files (see source.h). */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "xmem.h"

char *source_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s", (int)n, dir, name);
}

/*
 * The memo of one directory's reading (source_load_migrations): while --layout
 * auto asks each layout whether the directory is its own and the chosen one
 * reads it, each file is read from disk and each path's kind stat'ed once;
 * every reader gets its own copy. Per thread: the files are read on the
 * loader thread.
 */
struct memo_entry {
	char *path;
	int kind;   /* source_path_kind's answer; -1 not asked yet */
	char *data; /* the file's bytes once read (NUL-terminated), or NULL */
	size_t len;
	struct memo_entry *next;
};
#define MEMO_BUCKETS 1024
struct memo {
	struct memo_entry *bucket[MEMO_BUCKETS];
};
static _Thread_local struct memo *memo;

static struct memo_entry *memo_entry(const char *path)
{
	if (!memo)
		return NULL;
	unsigned h = 2166136261u;
	for (const char *c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	struct memo_entry **b = &memo->bucket[h % MEMO_BUCKETS];
	for (struct memo_entry *e = *b; e; e = e->next)
		if (strcmp(e->path, path) == 0)
			return e;
	struct memo_entry *e = xcalloc(1, sizeof(*e));
	e->path = xstrdup(path);
	e->kind = -1;
	e->next = *b;
	*b = e;
	return e;
}

static void memo_begin(void)
{
	if (!memo)
		memo = xcalloc(1, sizeof(*memo));
}

static void memo_end(void)
{
	if (!memo)
		return;
	for (size_t i = 0; i < MEMO_BUCKETS; i++) {
		for (struct memo_entry *e = memo->bucket[i], *next; e; e = next) {
			next = e->next;
			free(e->path);
			free(e->data);
			free(e);
		}
	}
	free(memo);
	memo = NULL;
}

int source_path_kind(const char *path)
{
	struct memo_entry *e = memo_entry(path);
	if (e && e->kind >= 0)
		return e->kind;
	struct stat st;
	int k = stat(path, &st) != 0 ? 0 : S_ISDIR(st.st_mode) ? 1 : S_ISREG(st.st_mode) ? 2 : 0;
	if (e)
		e->kind = k;
	return k;
}

static int read_file(const char *path, char **data, size_t *len_out, struct pgb_error *err);

/* a file bigger than this is read from disk by each reader rather than held twice */
#define MEMO_MAX_FILE (1024 * 1024)

int source_read_file(const char *path, char **data, size_t *len_out, struct pgb_error *err)
{
	struct memo_entry *e = memo_entry(path);
	if (e && !e->data && read_file(path, &e->data, &e->len, err))
		return -1;
	if (e && e->len > MEMO_MAX_FILE) {
		*data = e->data, *len_out = e->len;
		e->data = NULL;
		return 0;
	}
	if (!e)
		return read_file(path, data, len_out, err);
	*data = xmalloc(e->len + 1);
	memcpy(*data, e->data, e->len + 1);
	*len_out = e->len;
	return 0;
}

/* Read a whole regular file of at most MIGFILE_MAX_BYTES; *data is NUL-terminated. */
static int read_file(const char *path, char **data, size_t *len_out, struct pgb_error *err)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open file \"%s\": %m", path);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not stat file \"%s\": %m", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" is not a regular file", path);
	}
	if (st.st_size > (off_t)MIGFILE_MAX_BYTES) {
		close(fd);
		pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" is too large (%lld bytes)", path, (long long)st.st_size);
		pgb_error_detail(err, "The limit is %u MB.", MIGFILE_MAX_BYTES / (1024 * 1024));
		return -1;
	}
	/* read into a buffer of the size fstat saw, plus one byte to notice a file that grew */
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			free(buf);
			return pgb_fail(err, PGB_EXIT_CONFIG, "could not read file \"%s\": %m", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MIGFILE_MAX_BYTES) {
			close(fd);
			free(buf);
			return pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" is too large", path);
		}
		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	close(fd);
	buf[len] = '\0';
	*len_out = len;
	*data = buf;
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int source_is_sql_name(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcasecmp(name + n - 4, ".sql") == 0;
}

/* how deep below a subdirectory .sql files are looked for */
#define SUBDIR_DEPTH 3

/*
 * The first .sql file in the directory `name` of parent_fd or below it
 * (depth levels more at most; entries starting with '.' skipped; symbolic
 * links followed only for `name` itself), as "rel/file.sql"; NULL when none
 * or unreadable.
 */
static char *sql_below(int parent_fd, const char *name, const char *rel, int depth, int follow)
{
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return NULL;
	}
	char *found = NULL;
	struct dirent *de;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", rel, de->d_name);
		if (source_is_sql_name(de->d_name)) {
			found = path;
			continue;
		}
		if (depth > 0 && (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN))
			found = sql_below(dirfd(d), de->d_name, path, depth - 1, 0);
		free(path);
	}
	closedir(d);
	return found;
}

/*
 * pgboot reads only the files directly in dir: .sql files in a subdirectory
 * (a diesel or prisma "<version>_<name>/up.sql" tree, an "archive/") would
 * be left out without a word, and the run would say "up to date". A
 * subdirectory without .sql files (docs/, .git/) is left alone.
 */
static int refuse_sql_subdir(DIR *d, const char *dir, const struct dirent *de, struct pgb_error *err)
{
	if (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
		return 0;
	char *rel = xasprintf("%s/%s", dir, de->d_name);
	char *found = sql_below(dirfd(d), de->d_name, rel, SUBDIR_DEPTH - 1, 1);
	if (!found) {
		free(rel);
		return 0;
	}
	/* name the up file of a diesel or prisma tree, whatever order readdir gave */
	static const char *const ups[] = {"up.sql", "migration.sql"};
	for (size_t i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
		char *sub = xasprintf("%s/%s", de->d_name, ups[i]);
		struct stat st;
		if (fstatat(dirfd(d), sub, &st, 0) == 0 && S_ISREG(st.st_mode)) {
			free(found);
			found = xasprintf("%s/%s", rel, ups[i]);
		}
		free(sub);
	}
	pgb_fail(err, PGB_EXIT_CONFIG, "directory \"%s\" holds SQL files that pgboot would not read: \"%s\"", rel,
		 found);
	pgb_error_detail(err, "pgboot reads only the .sql files directly in \"%s\", never a subdirectory.", dir);
	const char *base = strrchr(found, '/') + 1;
	if (strcmp(base, "up.sql") == 0 || strcmp(base, "migration.sql") == 0)
		pgb_error_hint(err, "Make each version one file: \"%s.sql\" holding %s, and its down.sql, if any, after "
				    "a line \"-- pgboot:down\"; or move the directory out of \"%s\".", rel, base, dir);
	else
		pgb_error_hint(err, "Move the files into \"%s\" itself, or the directory out of it.", dir);
	pgb_error_locus(err, found, 0, 0);
	free(found);
	free(rel);
	return -1;
}

/* The names of dir's entries that do not start with '.'; the callers pick the .sql ones. */
static int list_dir(const char *dir, int missing_ok, char ***names, size_t *n, struct pgb_error *err)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT && missing_ok)
			return 0;
		if (errno == ENOENT)
			return pgb_fail(err, PGB_EXIT_CONFIG, "directory \"%s\" does not exist", dir);
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open directory \"%s\": %m", dir);
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!source_is_sql_name(de->d_name) && refuse_sql_subdir(d, dir, de, err)) {
			closedir(d);
			free_names(*names, *n);
			*names = NULL;
			*n = 0;
			return -1;
		}
		*names = xrealloc(*names, sizeof(char *) * (*n + 1));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	int saved = errno;
	closedir(d);
	if (saved) {
		errno = saved;
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not read directory \"%s\": %m", dir);
	}
	return 0;
}

static int by_version(const void *a, const void *b)
{
	const struct migfile *x = a, *y = b;
	int c = version_compare(&x->version, &y->version);
	return c ? c : strcmp(x->path, y->path);
}

static int check_duplicates(const struct migset *set, struct pgb_error *err)
{
	for (size_t i = 1; i < set->n; i++) {
		if (version_compare(&set->files[i - 1].version, &set->files[i].version) == 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "duplicate version %s: \"%s\" and \"%s\"",
				 set->files[i].version.text, set->files[i - 1].path, set->files[i].path);
			pgb_error_hint(err, "Each version may be used by one file only; renumber one of them.");
			return -1;
		}
	}
	return 0;
}

static int load_one(const char *dir, const char *fname, enum mig_kind kind, struct migset *out, struct pgb_error *err)
{
	struct pgb_version v;
	char *name;
	int r = layout_files()->parse_name(fname, &v, &name, err);
	/* a .sql file's name goes into the history table, which holds text */
	if (r > 0 && migfile_validate_name(fname, err)) {
		version_free(&v);
		free(name);
		r = -1;
	}
	if (r < 0) {
		char *path = source_join(dir, fname);
		pgb_error_locus(err, path, 0, 0);
		free(path);
	}
	if (r <= 0)
		return r;
	struct migfile *mf = &out->files[out->n];
	memset(mf, 0, sizeof(*mf));
	mf->kind = kind;
	mf->path = source_join(dir, fname);
	mf->version = v;
	mf->name = name;
	out->n++;
	char *data;
	size_t len;
	if (source_read_file(mf->path, &data, &len, err))
		return -1;
	return migfile_load(mf, data, len, err);
}

int source_load(const char *dir, enum mig_kind kind, int missing_ok, struct migset *out, struct pgb_error *err)
{
	char **names;
	size_t n;
	memset(out, 0, sizeof(*out));
	if (list_dir(dir, missing_ok, &names, &n, err))
		return -1;
	out->files = xcalloc(n ? n : 1, sizeof(struct migfile));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = load_one(dir, names[i], kind, out, err) < 0 ? -1 : 0;
	free_names(names, n);
	if (rc) {
		migset_free(out);
		return -1;
	}
	if (out->n > 1)
		qsort(out->files, out->n, sizeof(struct migfile), by_version);
	if (check_duplicates(out, err)) {
		migset_free(out);
		return -1;
	}
	return 0;
}

void migset_free(struct migset *set)
{
	for (size_t i = 0; i < set->n; i++)
		migfile_free(&set->files[i]);
	free(set->files);
	set->files = NULL;
	set->n = 0;
	for (size_t i = 0; i < set->nrepeatables; i++)
		migfile_free(&set->repeatables[i]);
	free(set->repeatables);
	set->repeatables = NULL;
	set->nrepeatables = 0;
}

const struct migfile *migset_find(const struct migset *set, const struct pgb_version *v)
{
	for (size_t i = 0; i < set->n; i++)
		if (version_compare(&set->files[i].version, v) == 0)
			return &set->files[i];
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a check's name follows the rules of a migration's extension and encoding */
static int check_name(const char *dir, const char *fname, struct pgb_error *err)
{
	size_t len = strlen(fname);
	if (strcmp(fname + len - 4, ".sql") != 0)
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid check file name \"%s\": the extension must be \".sql\" in lower case",
			 fname);
	else if (migfile_validate_name(fname, err) == 0)
		return 0;
	char *path = source_join(dir, fname);
	pgb_error_locus(err, path, 0, 0);
	pgb_error_hint(err, "Rename it to end in \".sql\": pgboot reads the same names in every folder.");
	free(path);
	return -1;
}

int source_load_checks(const char *dir, int missing_ok, struct checkset *out, struct pgb_error *err)
{
	char **names;
	size_t n;
	memset(out, 0, sizeof(*out));
	if (list_dir(dir, missing_ok, &names, &n, err))
		return -1;
	if (n > 1)
		qsort(names, n, sizeof(char *), by_name);
	out->files = xcalloc(n ? n : 1, sizeof(struct checkfile));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len = strlen(names[i]);
		if (!source_is_sql_name(names[i]))
			continue;
		if ((rc = check_name(dir, names[i], err)) != 0)
			break;
		struct checkfile *cf = &out->files[out->n++];
		cf->path = source_join(dir, names[i]);
		cf->name = xstrndup(names[i], len - 4);
		rc = source_read_file(cf->path, &cf->sql, &cf->len, err);
		if (rc == 0)
			rc = migfile_validate_text(cf->path, cf->sql, cf->len, err);
		if (rc == 0)
			rc = checkfile_directives(cf->path, cf->sql, cf->len, &cf->requires, &cf->nrequires, err);
	}
	free_names(names, n);
	if (rc)
		checkset_free(out);
	return rc;
}

void checkset_free(struct checkset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->files[i].path);
		free(set->files[i].name);
		free(set->files[i].sql);
		for (size_t k = 0; k < set->files[i].nrequires; k++)
			version_free(&set->files[i].requires[k]);
		free(set->files[i].requires);
	}
	free(set->files);
	set->files = NULL;
	set->n = 0;
}

static int detect_layout(const char *dir, struct source_choice *c, struct pgb_error *err);

static int choose_layout(const char *dir, const char *name, struct source_choice *c, struct pgb_error *err)
{
	if (name && strcmp(name, "auto") != 0) {
		c->layout = layout_find(name);
		if (!c->layout) {
			pgb_fail(err, PGB_EXIT_CONFIG, "invalid value for \"--layout\": \"%s\"", name);
			pgb_error_hint(err, "The layouts are: auto, %s.", layout_names());
			return -1;
		}
		c->why = xasprintf("--layout %s", name);
		return 0;
	}
	layout_detect_begin();
	int rc = detect_layout(dir, c, err);
	layout_detect_end();
	return rc;
}

/* --layout auto: the one member whose detect claims dir, else pgboot's own */
static int detect_layout(const char *dir, struct source_choice *c, struct pgb_error *err)
{
	const struct layout *first = NULL;
	char *first_why = NULL;
	for (size_t i = 0; layouts[i]; i++) {
		char *why = NULL;
		int r = layouts[i]->detect ? layouts[i]->detect(dir, &why, err) : 0;
		if (r < 0) {
			free(first_why);
			return -1;
		}
		if (r == 0)
			continue;
		if (first) {
			pgb_fail(err, PGB_EXIT_CONFIG, "directory \"%s\" matches two layouts: %s (%s) and %s (%s)", dir,
				 first->name, first_why, layouts[i]->name, why ? why : "");
			pgb_error_hint(err, "Say which with --layout (PGBOOT_LAYOUT), or keep one tool's files in the "
					    "directory.");
			free(first_why);
			free(why);
			return -1;
		}
		first = layouts[i];
		first_why = why ? why : xstrdup("");
	}
	c->layout = first ? first : layout_files();
	c->why = first ? first_why : xstrdup("no other tool's files or markers");
	return 0;
}

static int load_migrations(const char *dir, const char *layout_name, int missing_ok, struct migset *out,
			   struct source_choice *choice, struct pgb_error *err)
{
	struct stat st;
	/* "a:b" is a list of Flyway locations (layouts/flyway.c), each of which must exist */
	if (missing_ok && !strchr(dir, ':') && stat(dir, &st) != 0 && errno == ENOENT) {
		if (layout_name && strcmp(layout_name, "auto") != 0)
			return choose_layout(dir, layout_name, choice, err); /* named: its own, empty (new makes its file) */
		choice->layout = layout_files();
		choice->why = xstrdup("no directory");
		return 0;
	}
	if (choose_layout(dir, layout_name, choice, err))
		return -1;
	if (choice->layout->scan)
		return choice->layout->scan(dir, out, err);
	return source_load(dir, MIG_MIGRATION, missing_ok, out, err);
}

int source_load_migrations(const char *dir, const char *layout_name, int missing_ok, struct migset *out,
			   struct source_choice *choice, struct pgb_error *err)
{
	choice->layout = NULL;
	choice->why = NULL;
	memset(out, 0, sizeof(*out));
	memo_begin();
	int rc = load_migrations(dir, layout_name, missing_ok, out, choice, err);
	memo_end();
	return rc;
}
