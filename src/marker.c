/*
 * marker.c: pgboot's, dbmate's, goose's and sql-migrate's markers (see
 * marker.h; the grammar is written out in migfile.h). The peers' rules are
 * taken from their parsers: dbmate pkg/dbmate/migration.go (upRegExp,
 * downRegExp, parseMigrationOptions), goose internal/sqlparser/parser.go
 * (extractAnnotation), sql-migrate sqlparse/sqlparse.go (sqlCmdPrefix,
 * parseCommand).
 */
#include "marker.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmem.h"

enum family { FAM_NONE, FAM_PGBOOT, FAM_DBMATE, FAM_GOOSE, FAM_SQLMIGRATE };

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Go's unicode.IsSpace for the ASCII the peers' TrimSpace and Fields see */
static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

static int starts_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && strncasecmp(s, w, k) == 0;
}

static int starts_with(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && memcmp(s, w, k) == 0;
}

/* after "word" and optional blanks, a ':'? Sets *after past it. */
static int word_colon(const char *s, size_t n, const char *word, size_t *after)
{
	if (!starts_ci(s, n, word))
		return 0;
	size_t i = strlen(word);
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != ':')
		return 0;
	*after = i + 1;
	return 1;
}

/* a word w (any case) at s, not followed by a letter or digit */
static int word_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return starts_ci(s, n, w) && (n == k || !isalnum((unsigned char)s[k]));
}

/* dbmate's family: its exact prefix, or "migrate" ":" and the word up or down (prose stays prose) */
static int dbmate_like(const char *s, size_t n)
{
	size_t i;
	if (starts_with(s, n, "migrate:"))
		return 1;
	if (!word_colon(s, n, "migrate", &i))
		return 0;
	while (i < n && is_blank(s[i]))
		i++;
	return word_ci(s + i, n - i, "up") || word_ci(s + i, n - i, "down");
}

/* The family of a comment line; *body is the text after "--" and blanks. */
static enum family family_of(const char *line, size_t n, size_t *body)
{
	size_t i = 0, after;
	while (i < n && is_blank(line[i]))
		i++;
	if (n - i < 2 || line[i] != '-' || line[i + 1] != '-')
		return FAM_NONE;
	i += 2;
	while (i < n && is_blank(line[i]))
		i++;
	*body = i;
	const char *s = line + i;
	size_t k = n - i;
	if (starts_ci(s, k, "+goose"))
		return FAM_GOOSE;
	if (starts_ci(s, k, "+migrate"))
		return FAM_SQLMIGRATE;
	if (word_colon(s, k, "pgboot", &after))
		return FAM_PGBOOT;
	if (dbmate_like(s, k))
		return FAM_DBMATE;
	return FAM_NONE;
}

int marker_is_candidate(const char *line, size_t n)
{
	size_t body;
	return family_of(line, n, &body) != FAM_NONE;
}

static int refuse(struct pgb_error *err, const char *line, size_t n, const char *why, const char *hint)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "unrecognized marker \"%.*s\": %s", (int)n, line, why);
	pgb_error_hint(err, "%s", hint);
	return -1;
}

/* ---- pgboot ------------------------------------------------------------- */

static const char pgboot_hint[] =
	"pgboot's markers are \"-- pgboot:up\", \"-- pgboot:down\", \"-- pgboot:no-transaction\" and "
	"\"-- pgboot:idempotent\" (any case, blanks allowed around the colon, a \"--\" comment may follow).";

static int read_pgboot(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	size_t i;
	word_colon(line + body, n - body, "pgboot", &i);
	i += body;
	while (i < n && is_blank(line[i]))
		i++;
	size_t w = i;
	while (i < n && !is_wsp(line[i]))
		i++;
	size_t wl = i - w;
	while (i < n && is_wsp(line[i]))
		i++;
	if (i < n && !starts_with(line + i, n - i, "--"))
		return refuse(err, line, n, "unexpected text after the directive", pgboot_hint);
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
		return refuse(err, line, n, "not a pgboot directive", pgboot_hint);
	}
	return 0;
}

/* ---- dbmate: (?m)^--\s*migrate:(up|down)(\s*$|\s+\S+), options key:value -- */

static const char dbmate_hint[] =
	"dbmate's markers are \"-- migrate:up\" and \"-- migrate:down\" in lower case at the start of a "
	"line, optionally followed by \"transaction:false\" (a \"--\" comment may follow).";

static int dbmate_options(const char *line, size_t n, size_t i, struct marker *m, struct pgb_error *err)
{
	for (;;) {
		while (i < n && is_wsp(line[i]))
			i++;
		if (i >= n || starts_with(line + i, n - i, "--"))
			return 0;
		size_t t = i;
		while (i < n && !is_wsp(line[i]))
			i++;
		const char *tok = line + t;
		size_t tl = i - t;
		if (tl == 17 && memcmp(tok, "transaction:false", 17) == 0)
			m->no_transaction = 1;
		else if (!(tl == 16 && memcmp(tok, "transaction:true", 16) == 0))
			return refuse(err, line, n, "pgboot does not know this option", dbmate_hint);
	}
}

static int read_dbmate(const char *line, size_t n, struct marker *m, struct pgb_error *err)
{
	if (!starts_with(line, n, "--"))
		return refuse(err, line, n, "dbmate reads a marker only where \"--\" starts the line", dbmate_hint);
	size_t i = 2;
	while (i < n && is_wsp(line[i]))
		i++;
	const char *s = line + i;
	size_t k = n - i, wl;
	if (starts_with(s, k, "migrate:up")) {
		m->kind = MARKER_UP;
		wl = 10;
	} else if (starts_with(s, k, "migrate:down")) {
		m->kind = MARKER_DOWN;
		wl = 12;
	} else {
		return refuse(err, line, n, "dbmate would not read it as a marker", dbmate_hint);
	}
	i += wl;
	if (i < n && !is_wsp(line[i]))
		return refuse(err, line, n, "dbmate would not read it as a marker", dbmate_hint);
	return dbmate_options(line, n, i, m, err);
}

/* ---- goose: extractAnnotation ------------------------------------------- */

static const char goose_hint[] =
	"goose's annotations are \"-- +goose Up\", \"Down\", \"StatementBegin\", \"StatementEnd\", "
	"\"NO TRANSACTION\" and \"ENVSUB OFF\" (any case after a lower-case \"+goose\", at the start of "
	"the line, nothing else on it).";

/* what is left of a goose line once "--" and "+goose" are gone: cmd[0..cl) */
static int goose_word(const char *line, size_t n, const char *cmd, size_t cl, struct marker *m,
		      struct pgb_error *err)
{
	size_t a = 0;
	while (a < cl && is_wsp(cmd[a]))
		a++;
	while (cl > a && is_wsp(cmd[cl - 1]))
		cl--;
	const char *c = cmd + a;
	size_t len = cl - a;
#define IS(w) (len == strlen(w) && strncasecmp(c, w, len) == 0)
	if (IS("up"))
		m->kind = MARKER_UP;
	else if (IS("down"))
		m->kind = MARKER_DOWN;
	else if (IS("no transaction"))
		m->kind = MARKER_NO_TRANSACTION; /* goose honours it anywhere in the file */
	else if (IS("statementbegin") || IS("statementend") || IS("envsub off"))
		m->kind = MARKER_NOOP; /* pgboot's lexer finds statement ends itself */
	else if (IS("envsub on"))
		return refuse(err, line, n, "pgboot does not substitute environment variables in SQL",
			      "Write the values into the file, or drop the annotation if nothing uses ${VAR}.");
	else
		return refuse(err, line, n, "not a goose annotation", goose_hint);
#undef IS
	return 0;
}

static int read_goose(const char *line, size_t n, struct marker *m, struct pgb_error *err)
{
	if (n && is_blank(line[0]))
		return refuse(err, line, n, "goose refuses an annotation indented by blanks", goose_hint);
	/* goose removes every "--" and the first "+goose", then trims */
	char *cmd = xmalloc(n + 1);
	size_t cl = 0, i = 0;
	int seen = 0, r = 0;
	while (i < n && r == 0) {
		if (starts_with(line + i, n - i, "--")) {
			i += 2;
		} else if (starts_with(line + i, n - i, "+goose")) {
			if (seen++)
				r = refuse(err, line, n, "two annotations on one line", goose_hint);
			i += 6;
		} else {
			cmd[cl++] = line[i++];
		}
	}
	if (r == 0 && !seen)
		r = refuse(err, line, n, "goose reads \"+goose\" only in lower case", goose_hint);
	if (r == 0)
		r = goose_word(line, n, cmd, cl, m, err);
	free(cmd);
	return r;
}

/* ---- sql-migrate: the prefix "-- +migrate ", then fields ----------------- */

static const char sqlmigrate_hint[] =
	"sql-migrate's markers are \"-- +migrate Up\", \"-- +migrate Down\" (each optionally followed by "
	"\"notransaction\"), \"-- +migrate StatementBegin\" and \"-- +migrate StatementEnd\", spelled "
	"exactly so, at the start of the line (a \"--\" comment may follow).";

static int read_sqlmigrate(const char *line, size_t n, struct marker *m, struct pgb_error *err)
{
	if (!starts_with(line, n, "-- +migrate "))
		return refuse(err, line, n, "sql-migrate reads only lines that start with \"-- +migrate \"",
			      sqlmigrate_hint);
	size_t i = 12;
	int first = 1;
	for (;;) {
		while (i < n && is_wsp(line[i]))
			i++;
		if (i >= n || (!first && starts_with(line + i, n - i, "--")))
			break;
		size_t t = i;
		while (i < n && !is_wsp(line[i]))
			i++;
		const char *f = line + t;
		size_t fl = i - t;
#define IS(w) (fl == strlen(w) && memcmp(f, w, fl) == 0)
		if (first) {
			if (IS("Up"))
				m->kind = MARKER_UP;
			else if (IS("Down"))
				m->kind = MARKER_DOWN;
			else if (IS("StatementBegin") || IS("StatementEnd"))
				m->kind = MARKER_NOOP;
			else
				return refuse(err, line, n, "not a sql-migrate command", sqlmigrate_hint);
			first = 0;
		} else if (IS("notransaction") && m->kind != MARKER_NOOP) {
			m->no_transaction = m->kind == MARKER_UP;
		} else {
			return refuse(err, line, n, "pgboot does not know this option", sqlmigrate_hint);
		}
#undef IS
	}
	if (first)
		return refuse(err, line, n, "an incomplete sql-migrate command", sqlmigrate_hint);
	return 0;
}

/* sqlx's and morph's no-transaction directives: the whole comment, any case */
static void read_other(const char *line, size_t n, struct marker *m)
{
	size_t i = 0;
	while (i < n && is_blank(line[i]))
		i++;
	if (n - i < 2 || line[i] != '-' || line[i + 1] != '-')
		return;
	i += 2;
	while (i < n && is_blank(line[i]))
		i++;
	while (n > i && is_wsp(line[n - 1]))
		n--;
	size_t k = n - i;
	if ((k == 14 && strncasecmp(line + i, "no-transaction", k) == 0) ||
	    (k == 22 && strncasecmp(line + i, "morph:nontransactional", k) == 0)) {
		m->kind = MARKER_NO_TRANSACTION;
		m->leading_only = 1;
		m->foreign = 1;
	}
}

int marker_read(const char *line, size_t n, struct marker *m, struct pgb_error *err)
{
	memset(m, 0, sizeof(*m));
	if (n && line[n - 1] == '\r')
		n--;
	size_t body = 0;
	switch (family_of(line, n, &body)) {
	case FAM_PGBOOT:
		return read_pgboot(line, n, body, m, err);
	case FAM_DBMATE:
		return read_dbmate(line, n, m, err);
	case FAM_GOOSE:
		return read_goose(line, n, m, err);
	case FAM_SQLMIGRATE:
		return read_sqlmigrate(line, n, m, err);
	case FAM_NONE:
		break;
	}
	read_other(line, n, m);
	return 0;
}
