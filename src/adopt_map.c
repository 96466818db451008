/* adopt_map.c: REVISION=VERSION maps for adopt (see adopt_map.h). */
#include "adopt_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "xmem.h"

const char *adopt_map_find(const struct adopt_map *m, const char *id, const char **origin)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->id[i], id) == 0) {
			if (origin)
				*origin = m->origin[i];
			return m->version[i];
		}
	return NULL;
}

static int bad_entry(struct pgb_error *err, const char *origin, const char *entry, size_t len, const char *why)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "%s: invalid map entry \"%.*s\": %s", origin, (int)len, entry, why);
	pgb_error_hint(err, "Write REVISION=VERSION: the other tool's id, then the local migration's version, "
			    "e.g. ae1027a6acf=0007.");
	return -1;
}

/* one entry s[0..len) */
static int add_entry(struct adopt_map *m, const char *s, size_t len, const char *origin, struct pgb_error *err)
{
	const char *eq = memchr(s, '=', len);
	if (!eq || eq == s || eq == s + len - 1)
		return bad_entry(err, origin, s, len, "no \"=\" between two values");
	char *id = xstrndup(s, (size_t)(eq - s)), *ver = xstrndup(eq + 1, len - (size_t)(eq - s) - 1);
	struct pgb_version v;
	if (version_parse_text(ver, &v)) {
		free(id);
		free(ver);
		return bad_entry(err, origin, s, len, "the version is not digits with \"_\" or \".\" between groups");
	}
	version_free(&v);
	const char *prev_origin;
	const char *prev = adopt_map_find(m, id, &prev_origin);
	if (prev && strcmp(prev, ver) != 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "%s: \"%s\" is mapped to version %s, and to %s at %s", origin, id, ver, prev,
			 prev_origin);
		free(id);
		free(ver);
		return -1;
	}
	m->id = xrealloc(m->id, (m->n + 1) * sizeof(*m->id));
	m->version = xrealloc(m->version, (m->n + 1) * sizeof(*m->version));
	m->origin = xrealloc(m->origin, (m->n + 1) * sizeof(*m->origin));
	m->id[m->n] = id;
	m->version[m->n] = ver;
	m->origin[m->n] = xstrdup(origin);
	m->n++;
	return 0;
}

static int is_sep(char c, int list)
{
	return c == ' ' || c == '\t' || c == '\r' || (list && (c == ',' || c == '\n'));
}

int adopt_map_add(struct adopt_map *m, const char *text, const char *origin, int list, struct pgb_error *err)
{
	int line = 1;
	for (const char *p = text; *p;) {
		const char *eol = list ? p + strlen(p) : strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *end = eol;
		if (!list) {
			const char *hash = memchr(p, '#', (size_t)(eol - p));
			if (hash)
				end = hash;
		}
		char *where = list ? xstrdup(origin) : xasprintf("%s:%d", origin, line);
		for (const char *q = p; q < end;) {
			while (q < end && is_sep(*q, list))
				q++;
			const char *e = q;
			while (e < end && !is_sep(*e, list))
				e++;
			if (e > q && add_entry(m, q, (size_t)(e - q), where, err)) {
				free(where);
				return -1;
			}
			/* a line of a file holds one entry */
			if (!list && e > q) {
				const char *rest = e;
				while (rest < end && is_sep(*rest, 0))
					rest++;
				if (rest < end) {
					bad_entry(err, where, q, (size_t)(end - q), "one REVISION=VERSION a line");
					free(where);
					return -1;
				}
			}
			q = e;
		}
		free(where);
		p = *eol ? eol + 1 : eol;
		line++;
	}
	return 0;
}

int adopt_map_read_file(struct adopt_map *m, const char *path, struct pgb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open map file \"%s\": %m", path);
	char *text = NULL;
	size_t len = 0, cap = 0;
	char buf[4096];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + got + 1 > cap) {
			cap = 2 * (len + got + 1);
			text = xrealloc(text, cap);
		}
		memcpy(text + len, buf, got);
		len += got;
	}
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		free(text);
		errno = EIO;
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not read map file \"%s\": %m", path);
	}
	if (!text)
		return 0;
	text[len] = '\0';
	int rc = adopt_map_add(m, text, path, 0, err);
	free(text);
	return rc;
}

void adopt_map_free(struct adopt_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->id[i]);
		free(m->version[i]);
		free(m->origin[i]);
	}
	free(m->id);
	free(m->version);
	free(m->origin);
	memset(m, 0, sizeof(*m));
}
