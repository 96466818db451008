/*
 * create.c: what the layouts' create members share (layout.h): the next
 * version of a directory, the making of the file, pgboot's own new file,
 * and which marker dialect a file speaks.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "strbuf.h"
#include "xmem.h"

/* the file of set's newest version, or NULL */
static const struct migfile *newest(const struct migset *set)
{
	const struct migfile *best = NULL;
	for (size_t i = 0; set && i < set->n; i++)
		if (!best || version_compare(&set->files[i].version, &best->version) > 0)
			best = &set->files[i];
	return best;
}

static size_t count_digits(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += isdigit((unsigned char)*s) != 0;
	return n;
}

/* "20251013120000": a year, a month 01-12 and a day 01-31 lead 14 digits or more */
static int is_stamp(const char *text)
{
	char d[9];
	size_t k = 0;
	for (const char *s = text; *s && k < 8; s++)
		if (isdigit((unsigned char)*s))
			d[k++] = *s;
	d[k] = '\0';
	if (count_digits(text) < 14 || k < 8)
		return 0;
	int year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	int month = (d[4] - '0') * 10 + (d[5] - '0'), day = (d[6] - '0') * 10 + (d[7] - '0');
	return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* now as YYYYMMDDHHMMSS, zeros after it up to ndigits */
static void stamp_digits(long long now, size_t ndigits, char *out)
{
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
	size_t n = strlen(buf);
	memcpy(out, buf, n < ndigits ? n : ndigits);
	for (size_t i = n; i < ndigits; i++)
		out[i] = '0';
	out[ndigits] = '\0';
}

/* text with its digits replaced, in order, by digits (its separators kept) */
static char *respell(const char *text, const char *digits)
{
	char *s = xstrdup(text);
	for (char *p = s; *p; p++)
		if (isdigit((unsigned char)*p))
			*p = *digits++;
	return s;
}

/* text with its last digit group plus one, in the same width (one digit more past 99...9) */
static char *increment(const char *text)
{
	size_t n = strlen(text);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, text);
	size_t i = n;
	while (i > 0) {
		char *c = &sb.buf[i - 1];
		if (!isdigit((unsigned char)*c))
			break;
		if (*c != '9') {
			(*c)++;
			return strbuf_detach(&sb);
		}
		*c = '0';
		i--;
	}
	/* every digit of the last group was 9: a new leading 1 */
	char *grown = xasprintf("%.*s1%s", (int)i, sb.buf, sb.buf + i);
	strbuf_free(&sb);
	return grown;
}

static int later(const char *a, const char *b)
{
	struct pgb_version va, vb;
	if (version_parse_text(a, &va))
		return 0;
	if (version_parse_text(b, &vb)) {
		version_free(&va);
		return 0;
	}
	int c = version_compare(&va, &vb);
	version_free(&va);
	version_free(&vb);
	return c > 0;
}

char *layout_next_version(const struct migset *set, int stamp_when_empty, long long now)
{
	const struct migfile *last = newest(set);
	if (!last) {
		if (!stamp_when_empty)
			return xstrdup("0001");
		char d[16];
		stamp_digits(now, 14, d);
		return xstrdup(d);
	}
	const char *text = last->version.text;
	if (is_stamp(text)) {
		size_t n = count_digits(text);
		char *d = xmalloc(n + 1);
		stamp_digits(now, n, d);
		char *v = respell(text, d);
		free(d);
		if (later(v, text))
			return v;
		free(v); /* the clock is behind the newest file: one past it */
	}
	return increment(text);
}

/* the character after the version in the newest file's name, when it is one pgboot reads; else t's */
static char separator(const struct migset *set, const struct layout_template *t)
{
	const struct migfile *last = newest(set);
	if (!last)
		return t->sep;
	const char *base = strrchr(last->path, '/');
	base = base ? base + 1 : last->path;
	size_t n = strlen(last->version.text);
	if (strncmp(base, last->version.text, n) == 0 && (base[n] == '_' || base[n] == '-' || base[n] == '.'))
		return base[n];
	return t->sep;
}

int layout_make_dirs(const char *dir, struct pgb_error *err)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1; rc == 0; s++) {
		int end = *s == '\0';
		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = pgb_fail(err, PGB_EXIT_CONFIG, "could not create directory \"%s\": %m", p);
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

int layout_write_new(const char *path, const char *text, struct pgb_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST) {
			pgb_fail(err, PGB_EXIT_CONFIG, "migration file \"%s\" already exists", path);
			pgb_error_hint(err, "pgboot new never overwrites a file: run it again in a second, or choose another NAME.");
			return -1;
		}
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not create file \"%s\": %m", path);
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "could not write file \"%s\": %m", path);
			close(fd);
			unlink(path);
			return -1;
		}
		done += (size_t)w;
	}
	if (close(fd) != 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "could not write file \"%s\": %m", path);
		unlink(path);
		return -1;
	}
	return 0;
}

int layout_create_file(const char *dir, const struct migset *set, const char *name, const struct layout_template *t,
		       char **path, struct pgb_error *err)
{
	*path = NULL;
	if (layout_make_dirs(dir, err))
		return -1;
	char *version = layout_next_version(set, t->stamp_when_empty, (long long)time(NULL));
	char *fname = xasprintf("%s%c%s.sql", version, separator(set, t), name);
	char *p = source_join(dir, fname);
	free(version);
	free(fname);
	if (layout_write_new(p, t->text, err)) {
		free(p);
		return -1;
	}
	*path = p;
	return 0;
}

char *layout_utc_format(long long now, const char *fmt)
{
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[64];
	if (strftime(buf, sizeof(buf), fmt, &tm) == 0)
		buf[0] = '\0';
	return xstrdup(buf);
}

/* mkdir of a migration's own directory: 0, or -1 (78; "already exists" when it does) */
static int make_new_dir(const char *path, struct pgb_error *err)
{
	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST) {
		pgb_fail(err, PGB_EXIT_CONFIG, "migration directory \"%s\" already exists", path);
		pgb_error_hint(err, "pgboot new never overwrites a file: run it again in a second, or choose another NAME.");
		return -1;
	}
	return pgb_fail(err, PGB_EXIT_CONFIG, "could not create directory \"%s\": %m", path);
}

int layout_create_files(const char *dir, const char *sub, const struct layout_new_file *files, size_t n, char **path,
			struct pgb_error *err)
{
	*path = NULL;
	if (layout_make_dirs(dir, err))
		return -1;
	char *where = sub ? source_join(dir, sub) : xstrdup(dir);
	if (sub && make_new_dir(where, err)) {
		free(where);
		return -1;
	}
	char **made = xcalloc(n ? n : 1, sizeof(*made));
	size_t k = 0;
	int rc = 0;
	for (; k < n && rc == 0; k++) {
		made[k] = source_join(where, files[k].name);
		rc = layout_write_new(made[k], files[k].text, err);
	}
	if (rc) { /* undo what this call made: the failed file was not made */
		for (size_t i = 0; i + 1 < k; i++)
			unlink(made[i]);
		if (sub)
			rmdir(where);
	} else {
		*path = sub ? xstrdup(where) : xstrdup(made[0]);
	}
	for (size_t i = 0; i < k; i++)
		free(made[i]);
	free(made);
	free(where);
	return rc;
}

static const struct layout_template pgboot_template = {"-- pgboot:up\n\n\n-- pgboot:down\n\n", '_', 0};

int layout_create_default(const char *dir, const struct migset *set, const char *name, char **path,
			  struct pgb_error *err)
{
	return layout_create_file(dir, set, name, &pgboot_template, path, err);
}

const struct layout *layout_of_markers(const char *text, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		const struct layout *l = layout_claimant(text + i, n);
		if (l)
			return l;
		i += n + 1;
	}
	return NULL;
}
