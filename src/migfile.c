/* migfile.c: up/down parts, directives and checksum of one file (see migfile.h). */
#include "migfile.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "marker.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmem.h"

static void sha_update_folded(crypto_hash_sha256_state *st, const char *data, size_t len)
{
	size_t from = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (data[i] == '\r' && data[i + 1] == '\n') {
			crypto_hash_sha256_update(st, (const unsigned char *)data + from, i - from);
			from = i + 1;
		}
	}
	crypto_hash_sha256_update(st, (const unsigned char *)data + from, len - from);
}

void migfile_checksum(const char *data, size_t len, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	sha_update_folded(&st, data, len);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* Refuse NUL bytes and invalid UTF-8, naming the line. */
static int validate_text(const char *path, const char *s, size_t len, struct pgb_error *err)
{
	int line = 1;
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0') {
			pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" contains a NUL byte", path);
			pgb_error_locus(err, path, line, 0);
			pgb_error_hint(err, "SQL files must be text; is this a binary or UTF-16 file?");
			return -1;
		}
		size_t n = utf8_decode((const unsigned char *)s + i, len - i, NULL);
		if (n == 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "file \"%s\" is not valid UTF-8", path);
			pgb_error_locus(err, path, line, 0);
			pgb_error_detail(err, "Invalid byte 0x%02x on line %d.", c, line);
			pgb_error_hint(err, "Convert the file to UTF-8, for example with iconv.");
			return -1;
		}
		if (c == '\n')
			line++;
		i += n;
	}
	return 0;
}

int migfile_validate_name(const char *fname, struct pgb_error *err)
{
	size_t len = strlen(fname), i = 0, n;
	while (i < len && (n = utf8_decode((const unsigned char *)fname + i, len - i, NULL)) != 0)
		i += n;
	if (i == len)
		return 0;
	/* show the name with every byte that is not UTF-8 as \xNN */
	struct strbuf shown;
	strbuf_init(&shown);
	for (i = 0; i < len; i += n) {
		n = utf8_decode((const unsigned char *)fname + i, len - i, NULL);
		if (n) {
			strbuf_add(&shown, fname + i, n);
		} else {
			strbuf_addf(&shown, "\\x%02x", (unsigned char)fname[i]);
			n = 1;
		}
	}
	pgb_fail(err, PGB_EXIT_CONFIG, "file name \"%s\" is not valid UTF-8", shown.buf);
	pgb_error_hint(err, "Rename the file: its name goes into the history table, which holds text.");
	strbuf_free(&shown);
	return -1;
}

int migfile_validate_text(const char *path, const char *s, size_t len, struct pgb_error *err)
{
	return validate_text(path, s, len, err);
}

/*
 * Finding the sections. The lexer reports every "--" comment outside quotes,
 * dollar bodies and block comments, in order; a comment that starts its line
 * is read by marker_read. Up sections are kept in ups[], down sections in
 * downs[] (a down marker's own line is in neither).
 */
struct span {
	size_t start, end;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static void spans_add(struct spans *s, size_t start, size_t end)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->n++;
}

struct scan {
	struct migfile *mf;
	struct pgb_error *err;
	int failed;
	size_t bom;
	struct spans ups, downs;
	int in_down;
	size_t open;       /* where the current section started */
	size_t up_checked; /* up text before this offset has been looked at */
	int up_has_sql;    /* ... and held a statement */
	int line;          /* the line of line_at */
	size_t line_at;
};

static int line_of(struct scan *sc, size_t at)
{
	const char *s = sc->mf->content;
	for (; sc->line_at < at; sc->line_at++)
		if (s[sc->line_at] == '\n')
			sc->line++;
	return sc->line;
}

/* look at the up text of the current section up to `to` for a statement */
static void check_up(struct scan *sc, size_t to)
{
	size_t from = sc->up_checked > sc->open ? sc->up_checked : sc->open;
	if (from < sc->bom)
		from = sc->bom;
	if (!sc->up_has_sql && to > from && !sql_is_blank(sc->mf->content + from, to - from))
		sc->up_has_sql = 1;
	if (to > sc->up_checked)
		sc->up_checked = to;
}

static void section_down(struct scan *sc, size_t ls, size_t next, int line)
{
	check_up(sc, ls);
	spans_add(&sc->ups, sc->open, ls);
	if (!migfile_has_down(sc->mf))
		sc->mf->down_line = line + 1;
	sc->in_down = 1;
	sc->open = next;
}

static void section_up(struct scan *sc, size_t ls)
{
	if (!sc->in_down)
		return;
	spans_add(&sc->downs, sc->open, ls);
	sc->in_down = 0;
	sc->open = ls;
	sc->up_checked = ls;
}

static int fail_line(struct scan *sc, int line)
{
	pgb_error_locus(sc->err, sc->mf->path, line, 0);
	sc->failed = 1;
	return -1;
}

/* a directive that counts only at the top of the up part */
static int leading(struct scan *sc, const struct marker *m, size_t ls, size_t n, int line)
{
	if (!sc->in_down)
		check_up(sc, ls);
	if (!sc->in_down && !sc->up_has_sql)
		return 1;
	if (m->foreign)
		return 0; /* sqlx's and morph's directives below a statement were always comments */
	pgb_fail(sc->err, PGB_EXIT_CONFIG, "directive \"%.*s\" must be at the top of the file", (int)n,
		 sc->mf->content + ls);
	pgb_error_detail(sc->err, "It follows %s, where it would not apply to the statements above it.",
			 sc->in_down ? "a down marker" : "a statement");
	pgb_error_hint(sc->err, "Move it above the first statement (comments and blank lines may precede it).");
	fail_line(sc, line);
	return 0;
}

static void on_marker(struct scan *sc, const struct marker *m, size_t ls, size_t n, size_t next, int line)
{
	struct migfile *mf = sc->mf;
	switch (m->kind) {
	case MARKER_NONE:
	case MARKER_NOOP:
		break;
	case MARKER_UP:
		mf->no_transaction |= m->no_transaction;
		section_up(sc, ls);
		break;
	case MARKER_DOWN:
		mf->down_no_transaction |= m->no_transaction;
		if (sc->in_down) {
			pgb_fail(sc->err, PGB_EXIT_CONFIG, "second down marker in \"%s\"", mf->path);
			pgb_error_detail(sc->err, "The down part already started on line %d.", mf->down_line - 1);
			pgb_error_hint(sc->err, "A down marker ends the up part; an up marker ends the down part.");
			fail_line(sc, line);
			break;
		}
		section_down(sc, ls, next, line);
		break;
	case MARKER_NO_TRANSACTION:
		if (sc->in_down && m->leading_only && sql_is_blank(mf->content + sc->open, ls - sc->open))
			break; /* the down part's own: a rollback reads it from the text (migfile_down_no_transaction) */
		if (!m->leading_only) /* goose's: the whole file, its down part too */
			mf->down_no_transaction = 1;
		if (!m->leading_only || leading(sc, m, ls, n, line))
			mf->no_transaction = 1;
		break;
	case MARKER_IDEMPOTENT:
		if (leading(sc, m, ls, n, line))
			mf->idempotent = 1;
		break;
	case MARKER_REQUIRES:
		pgb_fail(sc->err, PGB_EXIT_CONFIG, "directive \"%.*s\" belongs in a check file", (int)n, mf->content + ls);
		pgb_error_detail(sc->err, "Only the checks of verify/ may require a migration version.");
		pgb_error_hint(sc->err, "Remove it: migrations run in version order.");
		fail_line(sc, line);
		break;
	}
}

static void on_comment(void *ctx, size_t start, size_t end)
{
	struct scan *sc = ctx;
	const char *s = sc->mf->content;
	if (sc->failed)
		return;
	size_t ls = start;
	while (ls > sc->bom && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
		ls--;
	if (ls > sc->bom && s[ls - 1] != '\n')
		return; /* a comment after something on its line is never a marker */
	size_t next = end;
	if (next < sc->mf->len && s[next] == '\r')
		next++;
	if (next < sc->mf->len && s[next] == '\n')
		next++;
	int line = line_of(sc, ls);
	struct marker m;
	if (marker_read(s + ls, end - ls, &m, sc->err)) {
		fail_line(sc, line);
		return;
	}
	on_marker(sc, &m, ls, end - ls, next, line);
}

/*
 * The lexer stopped at an unterminated quote, comment or dollar body opened
 * on line `open`: what follows is inside it. A marker there would be lost
 * (a down-first file would lose its up part), so it is an error.
 */
static int hidden_marker(struct scan *sc, const struct pgb_error *lex)
{
	const char *s = sc->mf->content;
	size_t at = 0, len = sc->mf->len;
	for (int line = 1; at < len; line++) {
		const char *nl = memchr(s + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (s + at)) : len - at;
		if (line > lex->line && marker_is_candidate(s + at, n)) {
			pgb_fail(sc->err, PGB_EXIT_CONFIG, "%s in \"%s\"", lex->message, sc->mf->path);
			pgb_error_detail(sc->err, "It opens on line %d and hides the marker on line %d.", lex->line,
					 line);
			pgb_error_hint(sc->err, "Close the quote or comment.");
			return fail_line(sc, lex->line);
		}
		at += n + 1;
	}
	return 0;
}

/*
 * A down section before an up section: content becomes the up part (the file
 * with every line outside the up sections emptied, so each up line keeps its
 * number and columns) followed by the down sections.
 */
static void rearrange(struct migfile *mf, const struct spans *ups, const struct spans *downs)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t at = 0;
	for (size_t i = 0; i < ups->n; i++) {
		for (; at < ups->v[i].start; at++)
			if (mf->content[at] == '\n')
				strbuf_add(&sb, "\n", 1);
		strbuf_add(&sb, mf->content + ups->v[i].start, ups->v[i].end - ups->v[i].start);
		at = ups->v[i].end;
	}
	mf->up_len = sb.len;
	mf->down_start = sb.len;
	for (size_t i = 0; i < downs->n; i++)
		strbuf_add(&sb, mf->content + downs->v[i].start, downs->v[i].end - downs->v[i].start);
	free(mf->content);
	mf->len = sb.len;
	mf->content = strbuf_detach(&sb);
}

static void finish_sections(struct scan *sc)
{
	struct migfile *mf = sc->mf;
	spans_add(sc->in_down ? &sc->downs : &sc->ups, sc->open, mf->len);
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < sc->ups.n; i++)
		sha_update_folded(&st, mf->content + sc->ups.v[i].start, sc->ups.v[i].end - sc->ups.v[i].start);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(mf->checksum, sizeof(mf->checksum), digest, sizeof(digest));
	if (!migfile_has_down(mf)) {
		mf->up_len = mf->len;
	} else if (sc->ups.n == 1) { /* the usual file: up, then down to the end */
		mf->up_len = sc->ups.v[0].end;
		mf->down_start = sc->downs.v[0].start;
	} else {
		rearrange(mf, &sc->ups, &sc->downs);
	}
}

static int scan_sections(struct migfile *mf, struct pgb_error *err)
{
	struct scan sc;
	memset(&sc, 0, sizeof(sc));
	sc.mf = mf;
	sc.err = err;
	sc.line = 1;
	/* a UTF-8 byte-order mark must not hide a directive on the first line */
	sc.bom = utf8_bom(mf->content, mf->len);
	sc.open = 0;
	struct sqlsplit_opts opts = {.standard_conforming_strings = 1, .on_comment = on_comment, .ctx = &sc};
	struct sql_script script;
	struct pgb_error lex;
	pgb_error_init(&lex);
	if (sql_split(mf->content, mf->len, &opts, &script, &lex) == 0)
		sql_script_free(&script);
	else if (!sc.failed)
		hidden_marker(&sc, &lex);
	pgb_error_free(&lex);
	if (!sc.failed)
		finish_sections(&sc);
	free(sc.ups.v);
	free(sc.downs.v);
	return sc.failed ? -1 : 0;
}

int migfile_load(struct migfile *mf, char *content, size_t len, struct pgb_error *err)
{
	mf->content = content;
	mf->len = len;
	mf->up_len = len;
	if (validate_text(mf->path, content, len, err))
		return -1;
	if (scan_sections(mf, err))
		return -1;
	mf->empty = sql_is_blank(mf->content, mf->up_len);
	return 0;
}

int migfile_has_down(const struct migfile *mf)
{
	return mf->down_line > 0;
}

int migfile_load_split(struct migfile *mf, char *up, size_t up_len, const char *down, size_t down_len,
		       const char *down_path, struct pgb_error *err)
{
	if (migfile_load(mf, up, up_len, err))
		return -1;
	if (migfile_has_down(mf)) {
		pgb_fail(err, PGB_EXIT_CONFIG, "down marker in up file \"%s\" at line %d", mf->path, mf->down_line);
		pgb_error_hint(err, "In this layout the down part is its own file%s%s%s; remove the marker from the up file.",
			       down_path ? " (\"" : "", down_path ? down_path : "", down_path ? "\")" : "");
		pgb_error_locus(err, mf->path, mf->down_line, 0);
		return -1;
	}
	if (!down)
		return 0;
	if (validate_text(down_path, down, down_len, err))
		return -1;
	mf->content = xrealloc(mf->content, up_len + down_len + 1);
	memcpy(mf->content + up_len, down, down_len);
	mf->content[up_len + down_len] = '\0';
	mf->up_len = up_len;
	mf->down_start = up_len;
	mf->len = up_len + down_len;
	mf->down_line = 1;
	mf->down_path = xstrdup(down_path);
	return 0;
}

void migfile_free(struct migfile *mf)
{
	free(mf->path);
	free(mf->down_path);
	free(mf->tool_id);
	free(mf->name);
	free(mf->content);
	version_free(&mf->version);
	memset(mf, 0, sizeof(*mf));
}

/* Reading a down part's directive (migfile.h): the lexer reports each "--" comment. */
struct down_scan {
	const char *sql;
	int no_transaction;
	int done; /* past the leading block */
};

static void on_down_comment(void *ctx, size_t start, size_t end)
{
	struct down_scan *ds = ctx;
	if (ds->done || !sql_is_blank(ds->sql, start)) {
		ds->done = 1;
		return;
	}
	size_t ls = start;
	while (ls > 0 && (ds->sql[ls - 1] == ' ' || ds->sql[ls - 1] == '\t'))
		ls--;
	if (ls > 0 && ds->sql[ls - 1] != '\n')
		return;
	struct marker m;
	struct pgb_error err;
	pgb_error_init(&err);
	if (marker_read(ds->sql + ls, end - ls, &m, &err) == 0 && m.kind == MARKER_NO_TRANSACTION && m.leading_only)
		ds->no_transaction = 1;
	pgb_error_free(&err);
}

int migfile_down_no_transaction(const char *sql, size_t len)
{
	struct down_scan ds = {sql, 0, 0};
	struct sqlsplit_opts opts = {.standard_conforming_strings = 1, .on_comment = on_down_comment, .ctx = &ds};
	struct sql_script script;
	struct pgb_error lex;
	pgb_error_init(&lex);
	if (sql_split(sql, len, &opts, &script, &lex) == 0)
		sql_script_free(&script);
	pgb_error_free(&lex);
	return ds.no_transaction;
}

char *migfile_stored_down(const struct migfile *mf, size_t *len)
{
	const char *down = mf->content + mf->down_start;
	size_t n = mf->len - mf->down_start;
	int add = mf->down_no_transaction && !migfile_down_no_transaction(down, n);
	char *s = xasprintf("%s%.*s", add ? "-- pgboot:no-transaction\n" : "", (int)n, down);
	*len = strlen(s);
	return s;
}

/* Reading a check file's directives (migfile.h): the lexer reports each "--" comment. */
struct check_scan {
	const char *path, *sql;
	size_t len, bom;
	struct pgb_version *req;
	size_t nreq;
	struct pgb_error *err;
	int failed;
};

static int check_fail(struct check_scan *cs, size_t ls)
{
	int line = 1;
	for (size_t i = 0; i < ls; i++)
		line += cs->sql[i] == '\n';
	pgb_error_locus(cs->err, cs->path, line, 0);
	cs->failed = 1;
	return -1;
}

static int check_requires(struct check_scan *cs, const struct marker *m, size_t ls, size_t n)
{
	if (!sql_is_blank(cs->sql + cs->bom, ls - cs->bom)) {
		pgb_fail(cs->err, PGB_EXIT_CONFIG, "directive \"%.*s\" must be at the top of the check", (int)n,
			 cs->sql + ls);
		pgb_error_hint(cs->err, "Move it above the first statement (comments and blank lines may precede it).");
		return check_fail(cs, ls);
	}
	char *text = xstrndup(m->arg, m->arg_len);
	struct pgb_version v;
	int bad = version_parse_text(text, &v);
	if (bad) {
		pgb_fail(cs->err, PGB_EXIT_CONFIG, "\"pgboot:requires\" names \"%s\", which is not a migration version",
			 text);
		pgb_error_hint(cs->err, "Write the version as the migration file's name starts: "
					"\"-- pgboot:requires 0003\".");
	}
	free(text);
	if (bad)
		return check_fail(cs, ls);
	cs->req = xrealloc(cs->req, (cs->nreq + 1) * sizeof(*cs->req));
	cs->req[cs->nreq++] = v;
	return 0;
}

static void on_check_comment(void *ctx, size_t start, size_t end)
{
	struct check_scan *cs = ctx;
	if (cs->failed)
		return;
	size_t ls = start;
	while (ls > cs->bom && (cs->sql[ls - 1] == ' ' || cs->sql[ls - 1] == '\t'))
		ls--;
	if (ls > cs->bom && cs->sql[ls - 1] != '\n')
		return; /* a comment after something on its line is never a directive */
	struct marker m;
	if (marker_read(cs->sql + ls, end - ls, &m, cs->err)) {
		check_fail(cs, ls);
		return;
	}
	if (m.kind == MARKER_REQUIRES) {
		check_requires(cs, &m, ls, end - ls);
	} else if (m.kind != MARKER_NONE && !m.foreign) {
		pgb_fail(cs->err, PGB_EXIT_CONFIG, "directive \"%.*s\" is not understood in a check file",
			 (int)(end - ls), cs->sql + ls);
		pgb_error_detail(cs->err, "A check is one query whose rows are violations; it has no up or down part and "
					  "runs in a read-only transaction.");
		pgb_error_hint(cs->err, "A check file may say \"-- pgboot:requires VERSION\"; remove the line.");
		check_fail(cs, ls);
	}
}

int checkfile_directives(const char *path, const char *sql, size_t len, struct pgb_version **req, size_t *nreq,
			 struct pgb_error *err)
{
	struct check_scan cs = {.path = path, .sql = sql, .len = len, .bom = utf8_bom(sql, len), .err = err};
	struct sqlsplit_opts opts = {.standard_conforming_strings = 1, .on_comment = on_check_comment, .ctx = &cs};
	struct sql_script script;
	struct pgb_error lex; /* the server reports what the lexer cannot split */
	pgb_error_init(&lex);
	if (sql_split(sql, len, &opts, &script, &lex) == 0)
		sql_script_free(&script);
	pgb_error_free(&lex);
	if (cs.failed) {
		for (size_t i = 0; i < cs.nreq; i++)
			version_free(&cs.req[i]);
		free(cs.req);
		return -1;
	}
	*req = cs.req;
	*nreq = cs.nreq;
	return 0;
}
