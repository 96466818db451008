/*
 * drizzle.c: a drizzle-kit migrations folder, as drizzle-orm 0.45.4's
 * migrator reads it (migrator.js readMigrationFiles, pg-core/dialect.js
 * migrate):
 *
 * - meta/_journal.json lists the migrations: entries[] in order, each with
 *   idx, when (epoch ms), tag and breakpoints; "<tag>.sql" is the file. The
 *   journal's order is the order; drizzle applies an entry when its when is
 *   greater than the newest created_at of drizzle.__drizzle_migrations, so
 *   an entry whose when is not greater than the one before it would be
 *   skipped for good: refused (78), as are a malformed journal (its line and
 *   field named), an idx not after the one before, a missing file, and a
 *   .sql file of the folder the journal does not list (drizzle never runs
 *   it: a lost journal entry after a merge looks exactly like that).
 * - version: the tag's leading digits ("0003"), name: the rest after '_';
 *   tool_id: when, as drizzle's created_at holds it.
 * - "--> statement-breakpoint": drizzle splits the text at every occurrence
 *   (the journal's breakpoints flag is not read) and sends each piece as one
 *   query. pgboot's lexer finds the statements itself, so a breakpoint must
 *   stand where a statement has ended: after a ';' (or at the start), not
 *   inside a quoted string, dollar body, block comment or statement, with
 *   nothing after it on its line. Anywhere else the two would run different
 *   statements: refused (78, file:line).
 * - drizzle runs every pending migration in one transaction; pgboot runs
 *   each in its own (--lock-mode transaction: one for the run, as drizzle).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json_read.h"
#include "layout.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "xmem.h"

#define JOURNAL "meta/_journal.json"
#define BREAKPOINT "--> statement-breakpoint"

/* ---- the journal ---------------------------------------------------------------- */

struct entry {
	long long idx, when;
	const char *tag;
	int line;
};

static int journal_fail(const char *path, int line, struct pgb_error *err, const char *fmt, const char *a)
{
	pgb_fail(err, PGB_EXIT_CONFIG, fmt, a);
	pgb_error_locus(err, path, line, 0);
	pgb_error_hint(err, "drizzle-kit writes this file; restore it from version control or regenerate it with "
			    "\"drizzle-kit generate\".");
	return -1;
}

static int read_entry(const char *path, const struct json_value *e, struct entry *out, struct pgb_error *err)
{
	if (e->type != JSON_OBJECT)
		return journal_fail(path, e->line, err, "journal entry is %s, not an object", json_type_name(e->type));
	const struct json_value *idx = json_member(e, "idx"), *when = json_member(e, "when"),
				*tag = json_member(e, "tag"), *bp = json_member(e, "breakpoints");
	out->line = e->line;
	if (!idx || json_int(idx, &out->idx) || out->idx < 0)
		return journal_fail(path, idx ? idx->line : e->line, err, "journal entry has no %s",
				    "\"idx\" that is a whole number");
	if (!when || json_int(when, &out->when) || out->when < 0)
		return journal_fail(path, when ? when->line : e->line, err, "journal entry has no %s",
				    "\"when\" that is a whole number (epoch milliseconds)");
	if (!tag || tag->type != JSON_STRING || !tag->text[0])
		return journal_fail(path, tag ? tag->line : e->line, err, "journal entry has no %s", "\"tag\" string");
	if (strchr(tag->text, '/') || tag->text[0] == '.')
		return journal_fail(path, tag->line, err, "journal tag \"%s\" is not a file name in the folder",
				    tag->text);
	if (bp && bp->type != JSON_TRUE && bp->type != JSON_FALSE)
		return journal_fail(path, bp->line, err, "journal entry's %s", "\"breakpoints\" is not true or false");
	out->tag = tag->text;
	return 0;
}

static int check_entry_order(const char *path, const struct entry *prev, const struct entry *e,
			     struct pgb_error *err)
{
	if (e->idx <= prev->idx) {
		pgb_fail(err, PGB_EXIT_CONFIG, "journal entry \"%s\" is out of order: its idx %lld is not after %lld", e->tag,
			 e->idx, prev->idx);
	} else if (e->when <= prev->when) {
		pgb_fail(err, PGB_EXIT_CONFIG, "journal entry \"%s\" is out of order: its when %lld is not after %lld",
			 e->tag, e->when, prev->when);
		pgb_error_detail(err, "drizzle applies an entry only when its \"when\" is after the newest one applied: "
				      "on a database that has \"%s\", this one would never run.", prev->tag);
	} else {
		return 0;
	}
	pgb_error_locus(err, path, e->line, 0);
	pgb_error_hint(err, "Entries are in the order drizzle-kit generated them; restore the journal from version "
			    "control, or regenerate the later migrations.");
	return -1;
}

/* ---- breakpoints ------------------------------------------------------------------- */

struct spans {
	size_t *start, *end;
	size_t n;
};

static void on_comment(void *ctx, size_t start, size_t end)
{
	struct spans *c = ctx;
	c->start = xrealloc(c->start, (c->n + 1) * sizeof(size_t));
	c->end = xrealloc(c->end, (c->n + 1) * sizeof(size_t));
	c->start[c->n] = start;
	c->end[c->n++] = end;
}

static int line_at(const char *s, size_t at)
{
	int line = 1;
	for (size_t i = 0; i < at; i++)
		line += s[i] == '\n';
	return line;
}

/* why the breakpoint at `at` splits where pgboot's lexer would not, or NULL */
static const char *breakpoint_fault(const char *s, size_t n, size_t at, const struct spans *c,
				    const struct sql_script *sc, int lexed)
{
	if (!lexed)
		return "it follows an unterminated quoted string, dollar body or block comment";
	int in_comment = 0;
	for (size_t k = 0; k < c->n && !in_comment; k++)
		in_comment = c->start[k] <= at && at < c->end[k];
	if (!in_comment)
		return "it is inside a quoted string, dollar-quoted body or block comment";
	for (size_t k = 0; k < sc->n; k++)
		if (sc->stmts[k].start < at && at < sc->stmts[k].end)
			return "it is inside a statement that has not ended with ';'";
	size_t i = at + strlen(BREAKPOINT);
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i < n && s[i] != '\n')
		return "text follows it on its line, which drizzle runs as SQL and pgboot reads as a comment";
	return NULL;
}

static int check_breakpoints(const char *path, const char *s, size_t n, struct pgb_error *err)
{
	const char *p = strstr(s, BREAKPOINT);
	if (!p)
		return 0;
	struct spans c = {0};
	struct sqlsplit_opts opts = {.standard_conforming_strings = 1, .on_comment = on_comment, .ctx = &c};
	struct sql_script sc = {0};
	struct pgb_error lex;
	pgb_error_init(&lex);
	int lexed = sql_split(s, n, &opts, &sc, &lex) == 0;
	int rc = 0;
	for (; p && rc == 0; p = strstr(p + 1, BREAKPOINT)) {
		const char *why = breakpoint_fault(s, n, (size_t)(p - s), &c, &sc, lexed);
		if (!why)
			continue;
		pgb_fail(err, PGB_EXIT_CONFIG, "\"--> statement-breakpoint\" in \"%s\" splits where pgboot would not", path);
		pgb_error_detail(err, "drizzle splits the file at every \"--> statement-breakpoint\"; here %s.", why);
		pgb_error_hint(err, "Put the breakpoint on a line of its own after a statement's ';' (as drizzle-kit "
				    "writes it), or reword the text that contains it.");
		pgb_error_locus(err, path, line_at(s, (size_t)(p - s)), 0);
		rc = -1;
	}
	if (lexed)
		sql_script_free(&sc);
	pgb_error_free(&lex);
	free(c.start);
	free(c.end);
	return rc;
}

/* ---- the migrations --------------------------------------------------------------- */

static int load_entry(const char *dir, const char *journal, const struct entry *e, struct migset *out,
		      struct pgb_error *err)
{
	size_t d = strspn(e->tag, "0123456789");
	if (d == 0)
		return journal_fail(journal, e->line, err, "journal tag \"%s\" does not start with a number", e->tag);
	char *fname = xasprintf("%s.sql", e->tag);
	struct migfile *mf = &out->files[out->n++];
	memset(mf, 0, sizeof(*mf));
	mf->kind = MIG_MIGRATION;
	mf->path = source_join(dir, fname);
	free(fname);
	char *digits = xstrndup(e->tag, d);
	version_parse_text(digits, &mf->version);
	free(digits);
	mf->name = xstrdup(e->tag[d] == '_' ? e->tag + d + 1 : e->tag + d);
	mf->tool_id = xasprintf("%lld", e->when);
	struct stat st;
	if (stat(mf->path, &st) != 0 && errno == ENOENT) {
		pgb_fail(err, PGB_EXIT_CONFIG, "journal entry \"%s\" names \"%s\", which does not exist", e->tag, mf->path);
		pgb_error_locus(err, journal, e->line, 0);
		pgb_error_hint(err, "drizzle stops at a missing file too; restore the file or the journal from version control.");
		return -1;
	}
	char *data;
	size_t len;
	if (source_read_file(mf->path, &data, &len, err))
		return -1;
	if (migfile_validate_text(mf->path, data, len, err) || check_breakpoints(mf->path, data, len, err)) {
		free(data);
		return -1;
	}
	if (migfile_load(mf, data, len, err))
		return -1;
	if (migfile_has_down(mf)) {
		pgb_fail(err, PGB_EXIT_CONFIG, "down marker in drizzle migration \"%s\"", mf->path);
		pgb_error_detail(err, "drizzle has no down migrations: it runs the text below the marker as part of the "
				      "migration.");
		pgb_error_hint(err, "Remove the marker and the down part.");
		pgb_error_locus(err, mf->path, mf->down_line - 1, 0);
		return -1;
	}
	return 0;
}

/* a .sql file of the folder the journal does not list: drizzle never runs it */
static int check_unlisted(const char *dir, const char *journal, const struct migset *set, struct pgb_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open directory \"%s\": %m", dir);
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !source_is_sql_name(de->d_name))
			continue;
		char *path = source_join(dir, de->d_name);
		int listed = 0;
		for (size_t i = 0; i < set->n && !listed; i++)
			listed = strcmp(set->files[i].path, path) == 0;
		if (!listed) {
			pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" is not in \"%s\"", path, journal);
			pgb_error_detail(err, "drizzle runs only the files its journal lists: this one never ran.");
			pgb_error_hint(err, "Add it to the journal (\"drizzle-kit generate --custom\" makes an entry and "
					    "its file), or move it out of \"%s\".", dir);
			pgb_error_locus(err, path, 0, 0);
			rc = -1;
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static int check_versions(const struct migset *set, struct pgb_error *err)
{
	for (size_t i = 1; i < set->n; i++) {
		const struct migfile *a = &set->files[i - 1], *b = &set->files[i];
		if (version_compare(&a->version, &b->version) < 0)
			continue;
		pgb_fail(err, PGB_EXIT_CONFIG, "the journal runs \"%s\" before \"%s\", against their numbers", a->path,
			 b->path);
		pgb_error_hint(err, "pgboot records a migration by its number: each tag's number must be after the one "
				    "before it.");
		return -1;
	}
	return 0;
}

static int read_journal(const char *dir, const char *journal, struct json_value **root,
			const struct json_value **entries, struct pgb_error *err)
{
	char *text;
	size_t len;
	if (source_read_file(journal, &text, &len, err))
		return -1;
	int rc = json_parse(text, len, root, err);
	free(text);
	if (rc) {
		pgb_error_locus(err, journal, err->line, 0);
		return -1;
	}
	*entries = json_member(*root, "entries");
	if ((*root)->type != JSON_OBJECT || !*entries || (*entries)->type != JSON_ARRAY)
		return journal_fail(journal, *entries ? (*entries)->line : (*root)->line, err, "%s",
				    "journal has no \"entries\" array");
	(void)dir;
	return 0;
}

static int scan(const char *dir, struct migset *out, struct pgb_error *err)
{
	char *journal = source_join(dir, JOURNAL);
	struct json_value *root = NULL;
	const struct json_value *entries = NULL;
	memset(out, 0, sizeof(*out));
	int rc = read_journal(dir, journal, &root, &entries, err);
	if (rc == 0) {
		out->files = xcalloc(entries->n ? entries->n : 1, sizeof(*out->files));
		struct entry prev = {0}, e;
		for (size_t i = 0; i < entries->n && rc == 0; i++) {
			rc = read_entry(journal, &entries->items[i], &e, err);
			if (rc == 0 && i > 0)
				rc = check_entry_order(journal, &prev, &e, err);
			if (rc == 0)
				rc = load_entry(dir, journal, &e, out, err);
			prev = e;
		}
	}
	if (rc == 0)
		rc = check_versions(out, err);
	if (rc == 0)
		rc = check_unlisted(dir, journal, out, err);
	json_free(root);
	free(journal);
	if (rc)
		migset_free(out);
	return rc;
}

static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	char *journal = source_join(dir, JOURNAL);
	struct stat st;
	int found = stat(journal, &st) == 0;
	free(journal);
	if (found)
		*why = xstrdup(JOURNAL " exists");
	return found;
}

/* drizzle's breakpoints are read by the scanner above; to other layouts' files they are comments */
static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)line, (void)n, (void)body, (void)m, (void)err;
	return 0;
}

static const struct layout_example examples[] = {
	{"--> statement-breakpoint", MARKER_NONE, 0},
	{NULL, MARKER_NONE, 0},
};

/* ---- pgboot new: drizzle-kit generate --custom ------------------------------------ */

static void indent(struct strbuf *sb, int depth)
{
	for (int i = 0; i < depth; i++)
		strbuf_adds(sb, "  ");
}

/* a string as JSON.stringify writes it: \" \\ \b \f \n \r \t, other controls \u00xx, the rest as is */
static void put_string(struct strbuf *sb, const char *s)
{
	strbuf_addc(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
			: c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (esc)
			strbuf_adds(sb, esc);
		else if (c < 0x20)
			strbuf_addf(sb, "\\u%04x", c);
		else
			strbuf_addc(sb, (char)c);
	}
	strbuf_addc(sb, '"');
}

static void put_value(struct strbuf *sb, const struct json_value *v, int depth, const char *extra);

/* an array or object in JSON.stringify(x, null, 2)'s layout; extra: one more item, already written */
static void put_items(struct strbuf *sb, const struct json_value *v, int depth, const char *extra)
{
	int obj = v->type == JSON_OBJECT;
	if (v->n == 0 && !extra) {
		strbuf_adds(sb, obj ? "{}" : "[]");
		return;
	}
	strbuf_addc(sb, obj ? '{' : '[');
	for (size_t i = 0; i < v->n; i++) {
		strbuf_adds(sb, i ? ",\n" : "\n");
		indent(sb, depth + 1);
		if (obj) {
			put_string(sb, v->keys[i]);
			strbuf_adds(sb, ": ");
		}
		put_value(sb, &v->items[i], depth + 1, NULL);
	}
	if (extra) {
		strbuf_adds(sb, v->n ? ",\n" : "\n");
		indent(sb, depth + 1);
		strbuf_adds(sb, extra);
	}
	strbuf_addc(sb, '\n');
	indent(sb, depth);
	strbuf_addc(sb, obj ? '}' : ']');
}

static void put_value(struct strbuf *sb, const struct json_value *v, int depth, const char *extra)
{
	switch (v->type) {
	case JSON_NULL:
		strbuf_adds(sb, "null");
		break;
	case JSON_FALSE:
		strbuf_adds(sb, "false");
		break;
	case JSON_TRUE:
		strbuf_adds(sb, "true");
		break;
	case JSON_NUMBER:
		strbuf_adds(sb, v->text);
		break;
	case JSON_STRING:
		put_string(sb, v->text);
		break;
	default:
		put_items(sb, v, depth, extra);
	}
}

/* the journal root with entry (written at depth 2) added to its entries, as drizzle-kit rewrites it */
static char *journal_text(const struct json_value *root, const char *entry)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addc(&sb, '{');
	for (size_t i = 0; i < root->n; i++) {
		strbuf_adds(&sb, i ? ",\n  " : "\n  ");
		put_string(&sb, root->keys[i]);
		strbuf_adds(&sb, ": ");
		put_value(&sb, &root->items[i], 1, strcmp(root->keys[i], "entries") == 0 ? entry : NULL);
	}
	strbuf_adds(&sb, "\n}");
	return strbuf_detach(&sb);
}

/* a string member of v, or NULL */
static const char *string_member(const struct json_value *v, const char *key)
{
	const struct json_value *m = v ? json_member(v, key) : NULL;
	return m && m->type == JSON_STRING ? m->text : NULL;
}

/*
 * The new entry's tag: its prefix as drizzle-kit's prepareMigrationMetadata
 * makes it in the mode the last tag shows: 14 digits "timestamp" (the UTC
 * time), 10 "unix" (seconds), else "index": idx in 4 digits, or one past
 * the last tag's number when that is higher (a journal not numbered from 0).
 */
static char *new_tag(const char *last_tag, long long idx, long long now_ms, const char *name)
{
	size_t d = last_tag ? strspn(last_tag, "0123456789") : 0;
	if (d == 14) {
		char *s = layout_utc_format(now_ms / 1000, "%Y%m%d%H%M%S");
		char *t = xasprintf("%s_%s", s, name);
		free(s);
		return t;
	}
	if (d == 10)
		return xasprintf("%lld_%s", now_ms / 1000, name);
	long long n = d ? strtoll(last_tag, NULL, 10) + 1 : idx;
	return xasprintf("%04lld_%s", n > idx ? n : idx, name);
}

/* 1 when the file's last byte is a newline */
static int ends_in_newline(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char c = 0;
	off_t end = lseek(fd, 0, SEEK_END);
	int nl = end > 0 && pread(fd, &c, 1, end - 1) == 1 && c == '\n';
	close(fd);
	return nl;
}

/* all of text to fd: 0, or -1 with errno */
static int write_all(int fd, const char *text)
{
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* write text to path through a temporary file in its directory, renamed over it: 0 or -1 (78) */
static int replace_file(const char *path, const char *text, struct pgb_error *err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "could not create file \"%s\": %m", tmp);
		free(tmp);
		return -1;
	}
	int ok = write_all(fd, text) == 0 && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok)
		pgb_fail(err, PGB_EXIT_CONFIG, "could not write file \"%s\": %m", tmp);
	else if (rename(tmp, path) != 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "could not rename \"%s\" to \"%s\": %m", tmp, path);
		ok = 0;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

/*
 * As "drizzle-kit generate --custom --name NAME" does it (bin.cjs
 * writeResult): "<tag>.sql" holding "-- Custom SQL migration file, put your
 * code below! --", and the journal's entries given {idx: last + 1, version:
 * the last entry's (the journal's, "7"), when: now in ms (one past the last
 * when if the clock is behind it), tag, breakpoints: true}, the journal
 * rewritten as JSON.stringify(journal, null, 2) does, through a renamed
 * temporary file. drizzle-kit's copy of the last snapshot
 * (meta/<prefix>_snapshot.json) is not made. *path: the .sql file.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	(void)set;
	char *journal = source_join(dir, JOURNAL);
	struct json_value *root = NULL;
	const struct json_value *entries = NULL;
	int rc = read_journal(dir, journal, &root, &entries, err);
	if (rc) {
		free(journal);
		return -1;
	}
	const struct json_value *last = entries->n ? &entries->items[entries->n - 1] : NULL;
	struct entry le = {-1, 0, NULL, 0};
	if (last && read_entry(journal, last, &le, err)) {
		json_free(root);
		free(journal);
		return -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	const char *version = string_member(last, "version");
	version = version ? version : string_member(root, "version");
	char *tag = new_tag(le.tag, le.idx + 1, now, name);
	struct strbuf e;
	strbuf_init(&e);
	strbuf_addf(&e, "{\n      \"idx\": %lld,\n      \"version\": ", le.idx + 1);
	put_string(&e, version ? version : "7");
	strbuf_addf(&e, ",\n      \"when\": %lld,\n      \"tag\": ", now > le.when ? now : le.when + 1);
	put_string(&e, tag);
	strbuf_adds(&e, ",\n      \"breakpoints\": true\n    }");
	char *text = journal_text(root, e.buf);
	if (ends_in_newline(journal)) { /* drizzle-kit writes none; a formatter's is kept, the diff one entry */
		char *t = xasprintf("%s\n", text);
		free(text);
		text = t;
	}
	char *fname = xasprintf("%s.sql", tag);
	const struct layout_new_file files[] = {{fname, "-- Custom SQL migration file, put your code below! --"}};
	rc = layout_create_files(dir, NULL, files, 1, path, err);
	if (rc == 0 && replace_file(journal, text, err)) {
		unlink(*path);
		free(*path);
		*path = NULL;
		rc = -1;
	}
	free(fname);
	free(text);
	free(tag);
	strbuf_free(&e);
	json_free(root);
	free(journal);
	return rc;
}

const struct layout layout_drizzle = {
	.create = create,
	.name = "drizzle",
	.read_marker = read_marker,
	.examples = examples,
	.detect = detect,
	.scan = scan,
};
