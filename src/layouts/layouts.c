/*
 * layouts.c: the table of layouts, what their members share, and the
 * markers read through them (marker.h; the peers' rules are taken from
 * their parsers, named in each member's file).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "layout.h"

/* one line per layout: its file src/layouts/<name>.c defines layout_<name> */
#define LAYOUTS \
	X(pgboot) \
	X(dbmate) \
	X(goose) \
	X(sql_migrate) \
	X(sqlx) \
	X(morph) \
	X(flyway) \
	X(drizzle) \
	X(node_pg_migrate) \
	X(golang_migrate) \
	X(pop) \
	X(diesel) \
	X(prisma) \
	/* a new layout: one more line above */

#define X(id) extern const struct layout layout_##id;
LAYOUTS
#undef X

#define X(id) &layout_##id,
const struct layout *const layouts[] = {LAYOUTS NULL};
#undef X

const struct layout *layout_files(void)
{
	return layouts[0];
}

const struct layout *layout_find(const char *name)
{
	for (size_t i = 0; layouts[i]; i++)
		if (strcmp(layouts[i]->name, name) == 0)
			return layouts[i];
	return NULL;
}

const char *layout_names(void)
{
	static char buf[512];
	if (!buf[0])
		for (size_t i = 0; layouts[i]; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? ", " : "", layouts[i]->name);
	return buf;
}

int layout_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int layout_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

int layout_starts_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && strncasecmp(s, w, k) == 0;
}

int layout_starts_with(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && memcmp(s, w, k) == 0;
}

int layout_word_colon(const char *s, size_t n, const char *word, size_t *after)
{
	if (!layout_starts_ci(s, n, word))
		return 0;
	size_t i = strlen(word);
	while (i < n && layout_is_blank(s[i]))
		i++;
	if (i >= n || s[i] != ':')
		return 0;
	*after = i + 1;
	return 1;
}

int layout_word_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return layout_starts_ci(s, n, w) && (n == k || !isalnum((unsigned char)s[k]));
}

int layout_refuse(struct pgb_error *err, const char *line, size_t n, const char *why, const char *hint)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "unrecognized marker \"%.*s\": %s", (int)n, line, why);
	pgb_error_hint(err, "%s", hint);
	return -1;
}

void layout_read_directive(const char *line, size_t n, size_t body, const char *word, struct marker *m)
{
	while (n > body && layout_is_wsp(line[n - 1]))
		n--;
	if (n - body == strlen(word) && strncasecmp(line + body, word, n - body) == 0) {
		m->kind = MARKER_NO_TRANSACTION;
		m->leading_only = 1;
		m->foreign = 1;
	}
}

/* A comment line's text after "--" and blanks: 1 with *body set, or 0 when the line is no "--" comment. */
static int comment_body(const char *line, size_t n, size_t *body)
{
	size_t i = 0;
	while (i < n && layout_is_blank(line[i]))
		i++;
	if (n - i < 2 || line[i] != '-' || line[i + 1] != '-')
		return 0;
	i += 2;
	while (i < n && layout_is_blank(line[i]))
		i++;
	*body = i;
	return 1;
}

/* the layout that claims the comment line, or NULL */
static const struct layout *claimant(const char *line, size_t n, size_t *body)
{
	if (!comment_body(line, n, body))
		return NULL;
	for (size_t k = 0; layouts[k]; k++)
		if (layouts[k]->claims && layouts[k]->claims(line + *body, n - *body))
			return layouts[k];
	return NULL;
}

const struct layout *layout_claimant(const char *line, size_t n)
{
	size_t body;
	if (n && line[n - 1] == '\r')
		n--;
	return claimant(line, n, &body);
}

int marker_is_candidate(const char *line, size_t n)
{
	size_t body;
	return claimant(line, n, &body) != NULL;
}

int marker_read(const char *line, size_t n, struct marker *m, struct pgb_error *err)
{
	memset(m, 0, sizeof(*m));
	if (n && line[n - 1] == '\r')
		n--;
	size_t body = 0;
	const struct layout *l = claimant(line, n, &body);
	if (l)
		return l->read_marker(line, n, body, m, err);
	if (!comment_body(line, n, &body))
		return 0;
	for (size_t k = 0; layouts[k] && m->kind == MARKER_NONE; k++)
		if (!layouts[k]->claims && layouts[k]->read_marker && layouts[k]->read_marker(line, n, body, m, err))
			return -1;
	return 0;
}
