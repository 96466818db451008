/* pgboot.c: pgboot's own layout: VERSION_name.sql files and "-- pgboot:" directives. */
#include <string.h>
#include <strings.h>

#include "layout.h"
#include "lint.h"

static int claims(const char *s, size_t n)
{
	size_t after;
	return layout_word_colon(s, n, "pgboot", &after);
}

static const char pgboot_hint[] =
	"pgboot's markers are \"-- pgboot:up\", \"-- pgboot:down\", \"-- pgboot:no-transaction\" and "
	"\"-- pgboot:idempotent\" (any case, blanks allowed around the colon, a \"--\" comment may follow); "
	"\"-- pgboot:lint-ignore RULE[,RULE] -- reason\" silences lint rules; "
	"a check file in verify/ may say \"-- pgboot:requires VERSION\".";

/* "requires VERSION": the argument is the next word; nothing but a "--" comment may follow */
static int read_requires(const char *line, size_t n, size_t i, struct marker *m, struct pgb_error *err)
{
	size_t a = i;
	while (i < n && !layout_is_wsp(line[i]))
		i++;
	m->arg = line + a;
	m->arg_len = i - a;
	while (i < n && layout_is_wsp(line[i]))
		i++;
	if (m->arg_len == 0 || layout_starts_with(m->arg, m->arg_len, "--"))
		return layout_refuse(err, line, n, "\"pgboot:requires\" names no version", pgboot_hint);
	if (i < n && !layout_starts_with(line + i, n - i, "--"))
		return layout_refuse(err, line, n, "unexpected text after the version", pgboot_hint);
	m->kind = MARKER_REQUIRES;
	m->leading_only = 1;
	return 0;
}

/*
 * "lint-ignore RULE[,RULE] -- reason" (lint.h): understood anywhere, in the up or the down part; the lint
 * reads it again from the text. Its rules must be lint rules (a typo silences nothing).
 */
static int read_lint_ignore(const char *line, size_t n, size_t i, struct marker *m, struct pgb_error *err)
{
	const char *reason;
	size_t rlen;
	struct pgb_error why;
	pgb_error_init(&why);
	int rc = lint_ignore_read(line + i, n - i, NULL, NULL, &reason, &rlen, &why);
	if (rc)
		layout_refuse(err, line, n, why.message, why.hint);
	pgb_error_free(&why);
	m->kind = rc ? MARKER_NONE : MARKER_NOOP;
	return rc;
}

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	size_t i;
	layout_word_colon(line + body, n - body, "pgboot", &i);
	i += body;
	while (i < n && layout_is_blank(line[i]))
		i++;
	size_t w = i;
	while (i < n && !layout_is_wsp(line[i]))
		i++;
	size_t wl = i - w;
	while (i < n && layout_is_wsp(line[i]))
		i++;
	if (wl == 8 && strncasecmp(line + w, "requires", 8) == 0)
		return read_requires(line, n, i, m, err);
	if (wl == 11 && strncasecmp(line + w, "lint-ignore", 11) == 0)
		return read_lint_ignore(line, n, w + wl, m, err);
	if (i < n && !layout_starts_with(line + i, n - i, "--"))
		return layout_refuse(err, line, n, "unexpected text after the directive", pgboot_hint);
	const char *word = line + w;
	if (wl == 2 && strncasecmp(word, "up", 2) == 0) {
		m->kind = MARKER_UP;
	} else if (wl == 4 && strncasecmp(word, "down", 4) == 0) {
		m->kind = MARKER_DOWN;
	} else if (wl == 14 && strncasecmp(word, "no-transaction", 14) == 0) {
		m->kind = MARKER_NO_TRANSACTION;
		m->leading_only = 1;
	} else if (wl == 10 && strncasecmp(word, "idempotent", 10) == 0) {
		m->kind = MARKER_IDEMPOTENT;
		m->leading_only = 1;
	} else {
		return layout_refuse(err, line, n, "not a pgboot directive", pgboot_hint);
	}
	return 0;
}

static const struct layout_example examples[] = {
	{"-- pgboot:up", MARKER_UP, 0},
	{"  -- PgBoot : Down -- the rollback", MARKER_DOWN, 0},
	{"-- pgboot:no-transaction", MARKER_NO_TRANSACTION, 0},
	{"-- pgboot:idempotent", MARKER_IDEMPOTENT, 0},
	{"-- pgboot:requires 0003", MARKER_REQUIRES, 0},
	{"-- pgboot:requires", MARKER_NONE, 1},
	{"-- pgboot:lint-ignore index-not-concurrent -- the table is tiny", MARKER_NOOP, 0},
	{"-- pgboot: Lint-Ignore index-not-concurrent,concurrent-in-transaction", MARKER_NOOP, 0},
	{"-- pgboot:lint-ignor index-not-concurrent -- typo", MARKER_NONE, 1},
	{"-- pgboot:lint-ignore index-not-concurent -- typo", MARKER_NONE, 1},
	{"-- pgboot:lint-ignore -- no rule", MARKER_NONE, 1},
	{"-- pgboot:upp", MARKER_NONE, 1},
	{"-- pgboot: down now", MARKER_NONE, 1},
	{NULL, MARKER_NONE, 0},
};

const struct layout layout_pgboot = {
	.name = "pgboot",
	.parse_name = version_parse_filename,
	.claims = claims,
	.read_marker = read_marker,
	.examples = examples,
};
