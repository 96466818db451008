/*
 * flyway.c: Flyway's layout (flyway.h), read as flyway-core reads its SQL
 * migrations: every location of "--migrations a:b" (Flyway's "locations",
 * "filesystem:" accepted) scanned recursively, hidden directories skipped
 * (FileSystemScanner); the names parsed by ResourceNameParser's rules,
 * ordered by MigrationVersion (numeric parts, trailing zeros ignored); the
 * "U" file of a version is its down part; a script's "<script>.sql.conf"
 * (SqlScriptMetadata) may say executeInTransaction; a file whose every
 * statement cannot run in a transaction (PostgreSQLParser's
 * detectCanExecuteInTransaction) runs without one, and one that mixes such
 * statements with others is refused, as Flyway refuses it by default.
 *
 * Refused (78, naming the file): what pgboot cannot run as Flyway would:
 * placeholders ("${name}", replaced by Flyway everywhere in the text, comments
 * and strings too), baseline (B) migrations, callbacks
 * (beforeMigrate.sql ...), script config keys other than
 * executeInTransaction, placeholderReplacement and encoding=UTF-8, and
 * "classpath:" locations. A name with a Flyway prefix that Flyway finds
 * invalid ("V1_init.sql"), or named as pgboot's ("0001_x.sql"), is refused
 * too: Flyway would skip it silently. detect claims a directory with a
 * Flyway name and no name starting with a digit (pgboot's own layout then
 * refuses the Flyway names).
 *
 * Repeatable (R__) files go to the set's repeatables, ordered by description
 * as ResolvedMigrationComparator orders them (after every versioned one);
 * two with one description are refused, as Flyway refuses them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "flyway.h"
#include "layout.h"
#include "sqlsplit.h"
#include "xmem.h"

/* ---- names (ResourceNameParser, MigrationVersion) ------------------------- */

/* Flyway's callback events (api/callback/Event.java), as prefixes: the longest prefix wins there too */
static const char *const callback_prefixes[] = {
	"beforeMigrate", "afterMigrate", "beforeEach", "afterEach", "afterVersioned", "beforeRepeatables",
	"beforeClean", "afterClean", "beforeValidate", "afterValidate", "beforeBaseline", "afterBaseline",
	"beforeRepair", "afterRepair", "beforeInfo", "afterInfo", "beforeUndo", "afterUndo",
	"beforeConnect", "afterConnect", "beforeCreateSchema", "createSchema", NULL,
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* MigrationVersion's tokenize: digit groups split at a '.' before a digit; 1 when v is one */
static int valid_version(const char *v)
{
	if (!isdigit((unsigned char)v[0]))
		return 0;
	for (size_t i = 0; v[i]; i++)
		if (!isdigit((unsigned char)v[i]) && !(v[i] == '.' && isdigit((unsigned char)v[i + 1])))
			return 0;
	return 1;
}

static int bad_name(struct pgb_error *err, const char *fname, const char *why, const char *example)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "invalid Flyway migration name \"%s\": %s", fname, why);
	pgb_error_detail(err, "Flyway skips such a file (it refuses it with validateMigrationNaming=true); pgboot "
			      "refuses it rather than leave a migration out without a word.");
	pgb_error_hint(err, "Name it like \"%s\", or move it out of the migrations directory.", example);
	return -1;
}

int flyway_parse_name(const char *fname, struct flyway_name *out, struct pgb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!ends_with(fname, ".sql"))
		return 0;
	size_t stem = strlen(fname) - 4;
	for (size_t i = 0; callback_prefixes[i]; i++)
		if (strncmp(fname, callback_prefixes[i], strlen(callback_prefixes[i])) == 0) {
			out->kind = FLYWAY_CALLBACK;
			out->description = xstrndup(fname, stem);
			return 1;
		}
	if (isdigit((unsigned char)fname[0])) {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid Flyway migration name \"%s\": it has no prefix", fname);
		pgb_error_detail(err, "Flyway skips a file named as pgboot's (or another tool's) migrations; pgboot refuses "
				      "it rather than leave a migration out without a word.");
		pgb_error_hint(err, "Name it like \"V%.*s__description.sql\", or move it out of the Flyway locations.",
			       (int)strspn(fname, "0123456789._"), fname);
		return -1;
	}
	static const char prefixes[] = "VUBR";
	const char *p = fname[0] ? strchr(prefixes, fname[0]) : NULL;
	if (!p)
		return 0;
	out->kind = fname[0] == 'V' ? FLYWAY_VERSIONED
		    : fname[0] == 'U' ? FLYWAY_UNDO
		    : fname[0] == 'B' ? FLYWAY_BASELINE
				      : FLYWAY_REPEATABLE;
	const char *name = fname + 1;
	size_t nlen = stem - 1;
	const char *sep = strstr(name, "__");
	size_t vlen = sep && (size_t)(sep - name) < nlen ? (size_t)(sep - name) : nlen;
	const char *desc = vlen < nlen ? name + vlen + 2 : name + nlen;
	size_t dlen = (size_t)(fname + stem - desc);
	if (out->kind == FLYWAY_REPEATABLE) {
		if (vlen != 0)
			return bad_name(err, fname, "a repeatable migration cannot have a version", "R__description.sql");
	} else {
		char *v = xstrndup(name, vlen);
		for (char *c = v; *c; c++)
			if (*c == '_')
				*c = '.';
		if (vlen == 0 || !valid_version(v)) {
			free(v);
			char ex[4] = {fname[0], '1', '\0', '\0'};
			char *example = xasprintf("%s.2__description.sql", ex);
			bad_name(err, fname,
				 vlen == 0 ? "it has no version" : "the version must be digits separated by \".\" or \"_\"",
				 example);
			free(example);
			return -1;
		}
		out->version = v;
	}
	out->description = xstrndup(desc, dlen);
	for (char *c = out->description; *c; c++)
		if (*c == '_')
			*c = ' ';
	return 1;
}

void flyway_name_free(struct flyway_name *n)
{
	free(n->version);
	free(n->description);
	memset(n, 0, sizeof(*n));
}

/* the next part of a version at *s (leading zeros skipped; "0" when none is left) */
static void next_part(const char **s, const char **part, size_t *len)
{
	const char *p = *s;
	if (!*p) {
		*part = "0";
		*len = 1;
		return;
	}
	while (*p == '0' && isdigit((unsigned char)p[1]))
		p++;
	size_t n = 0;
	while (isdigit((unsigned char)p[n]))
		n++;
	*part = p;
	*len = n;
	p += n;
	if (*p == '.')
		p++;
	*s = p;
}

int flyway_version_compare(const char *a, const char *b)
{
	while (*a || *b) {
		const char *pa, *pb;
		size_t la, lb;
		next_part(&a, &pa, &la);
		next_part(&b, &pb, &lb);
		if (la != lb)
			return la < lb ? -1 : 1;
		int c = memcmp(pa, pb, la);
		if (c)
			return c;
	}
	return 0;
}

/* ---- the checksum (ChecksumCalculator) ------------------------------------- */

int32_t flyway_checksum(const char *data, size_t len)
{
	/* BufferedReader.readLine drops "\n", "\r\n" and "\r"; the lines are fed with no separator, so
	   every CR and LF byte is left out; BomFilter drops a BOM at the start */
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	uint32_t crc = 0xFFFFFFFFu;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n' || c == '\r')
			continue;
		crc ^= c;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return (int32_t)(crc ^ 0xFFFFFFFFu);
}

/* ---- locations ----------------------------------------------------------------- */

struct found {
	char *path;   /* "db/migration/sub/V1__init.sql" */
	char *fname;  /* "V1__init.sql" */
	struct flyway_name nm;
};

struct scan {
	struct found *f;
	size_t n;
};

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].path);
		free(s->f[i].fname);
		flyway_name_free(&s->f[i].nm);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}

/*
 * The locations of "a:b,c", Flyway's "filesystem:" prefix dropped: 0 with *locs (malloc'd, each
 * malloc'd), or -1 for "classpath:" and other schemes pgboot cannot read.
 */
static int split_locations(const char *spec, char ***locs, size_t *n, struct pgb_error *err)
{
	*locs = NULL;
	*n = 0;
	char *copy = xstrdup(spec);
	char *save = NULL;
	int rc = 0;
	for (char *tok = strtok_r(copy, ":,", &save); tok; tok = strtok_r(NULL, ":,", &save)) {
		if (strcmp(tok, "filesystem") == 0)
			continue;
		if (strcmp(tok, "classpath") == 0 || strcmp(tok, "s3") == 0 || strcmp(tok, "gcs") == 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "unsupported Flyway location \"%s:\" in \"--migrations %s\"", tok,
				 spec);
			pgb_error_detail(err, "pgboot reads migrations from the file system only.");
			pgb_error_hint(err, "Name the directories themselves, as \"filesystem:PATH\" or PATH, separated by "
					    "\":\" (for a classpath location: its directory in the source tree, such as "
					    "\"src/main/resources/db/migration\").");
			rc = -1;
			break;
		}
		*locs = xrealloc(*locs, sizeof(char *) * (*n + 1));
		(*locs)[(*n)++] = xstrdup(tok);
	}
	free(copy);
	if (rc == 0 && *n == 0)
		rc = pgb_fail(err, PGB_EXIT_CONFIG, "no location in \"--migrations %s\"", spec);
	if (rc) {
		for (size_t i = 0; i < *n; i++)
			free((*locs)[i]);
		free(*locs);
		*locs = NULL;
		*n = 0;
	}
	return rc;
}

static void free_locations(char **locs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(locs[i]);
	free(locs);
}

/* how many directories deep a location is read (a symbolic link loop ends here) */
#define WALK_DEPTH 32

/* every .sql below dir whose name Flyway reads, recursively (hidden directories skipped, as Flyway does) */
static int walk(const char *dir, int depth, struct scan *s, struct pgb_error *err)
{
	if (depth > WALK_DEPTH) {
		pgb_fail(err, PGB_EXIT_CONFIG, "directory \"%s\" is nested too deeply", dir);
		pgb_error_hint(err, "Look for a symbolic link to a directory above it.");
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		if (depth == 0 && errno == ENOENT)
			return pgb_fail(err, PGB_EXIT_CONFIG, "directory \"%s\" does not exist", dir);
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not open directory \"%s\": %m", dir);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *path = source_join(dir, de->d_name);
		struct stat st;
		if (stat(path, &st) != 0) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (de->d_name[0] != '.')
				rc = walk(path, depth + 1, s, err);
			free(path);
			continue;
		}
		struct flyway_name nm;
		int r = flyway_parse_name(de->d_name, &nm, err);
		if (r > 0 && migfile_validate_name(de->d_name, err)) {
			flyway_name_free(&nm);
			r = -1;
		}
		if (r < 0) {
			pgb_error_locus(err, path, 0, 0);
			rc = -1;
		}
		if (r <= 0) {
			free(path);
			continue;
		}
		s->f = xrealloc(s->f, sizeof(*s->f) * (s->n + 1));
		s->f[s->n].path = path;
		s->f[s->n].fname = xstrdup(de->d_name);
		s->f[s->n].nm = nm;
		s->n++;
	}
	closedir(d);
	return rc;
}

/* ---- what pgboot cannot run as Flyway would -------------------------------------- */

static int refuse_kind(const struct found *f, struct pgb_error *err)
{
	switch (f->nm.kind) {
	case FLYWAY_BASELINE:
		pgb_fail(err, PGB_EXIT_CONFIG, "Flyway baseline migration \"%s\" is not supported", f->path);
		pgb_error_detail(err, "Flyway runs a B file instead of the versions up to it on an empty database; "
				      "pgboot runs every versioned migration.");
		pgb_error_hint(err, "Remove it (the V files it stands for build the same schema), or use "
				    "\"pgboot baseline\" on a database built by other means.");
		break;
	case FLYWAY_CALLBACK:
		pgb_fail(err, PGB_EXIT_CONFIG, "Flyway callback \"%s\" is not supported", f->path);
		pgb_error_detail(err, "Flyway runs a file named after an event (beforeMigrate, afterMigrate ...) "
				      "around its commands; pgboot has no callbacks.");
		pgb_error_hint(err, "Move it out of the migrations directory; what it does each run belongs in a "
				    "check (verify/) or a seed.");
		break;
	default:
		return 0;
	}
	pgb_error_locus(err, f->path, 0, 0);
	return -1;
}

/* Flyway replaces "${name}" (PlaceholderReplacer: the prefix, one or more characters, the suffix) anywhere */
static int refuse_placeholders(const char *path, const char *text, size_t len, struct pgb_error *err)
{
	int line = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			line++;
		if (text[i] != '$' || i + 3 >= len || text[i + 1] != '{' || text[i + 2] == '\n')
			continue;
		size_t e = i + 3;
		while (e < len && text[e] != '}' && text[e] != '\n')
			e++;
		if (e >= len || text[e] != '}')
			continue;
		int shown = e - i + 1 > 80 ? 80 : (int)(e - i + 1);
		pgb_fail(err, PGB_EXIT_CONFIG, "Flyway placeholder \"%.*s\" in \"%s\" at line %d", shown, text + i, path,
			 line);
		pgb_error_detail(err, "Flyway replaces placeholders everywhere in a script, comments and strings too; "
				      "pgboot runs the file as written.");
		pgb_error_hint(err, "Write the value itself in the file, or, when the text is meant literally, add a "
				    "\"%s.conf\" holding \"placeholderReplacement=false\".",
			       path);
		pgb_error_locus(err, path, line, 0);
		return -1;
	}
	return 0;
}

/* a script's config file (SqlScriptMetadata): tx set to 0 or 1 when it says executeInTransaction */
struct script_conf {
	int tx;           /* -1: not said */
	int placeholders; /* placeholderReplacement, default on */
};

static int conf_value(const char *path, int line, const char *key, const char *val, int *out,
		      struct pgb_error *err)
{
	if (strcasecmp(val, "true") == 0)
		*out = 1;
	else if (strcasecmp(val, "false") == 0)
		*out = 0;
	else {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid value for \"%s\" in \"%s\" at line %d: \"%s\"", key, path, line,
			 val);
		pgb_error_hint(err, "Use true or false.");
		pgb_error_locus(err, path, line, 0);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\f')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\f'))
		s[--n] = '\0';
	return s;
}

static int conf_line(const char *path, int line, char *ln, struct script_conf *c, struct pgb_error *err)
{
	char *t = trim(ln);
	if (!*t || *t == '#' || *t == '!')
		return 0;
	size_t k = strcspn(t, "=:");
	char *val = t[k] ? trim(t + k + 1) : t + k;
	t[k] = '\0';
	char *key = trim(t);
	if (strcmp(key, "executeInTransaction") == 0)
		return conf_value(path, line, key, val, &c->tx, err);
	if (strcmp(key, "placeholderReplacement") == 0)
		return conf_value(path, line, key, val, &c->placeholders, err);
	if (strcmp(key, "encoding") == 0 && (strcasecmp(val, "UTF-8") == 0 || strcasecmp(val, "UTF8") == 0))
		return 0;
	pgb_fail(err, PGB_EXIT_CONFIG, "unsupported setting \"%s\" in Flyway script config \"%s\" at line %d", key,
		 path, line);
	pgb_error_detail(err, "pgboot honours executeInTransaction, placeholderReplacement and encoding=UTF-8 only.");
	pgb_error_hint(err, "Remove the line, or run this project with Flyway itself.");
	pgb_error_locus(err, path, line, 0);
	return -1;
}

static int read_conf(const char *script, struct script_conf *c, struct pgb_error *err)
{
	c->tx = -1;
	c->placeholders = 1;
	char *path = xasprintf("%s.conf", script);
	struct stat st;
	if (stat(path, &st) != 0) {
		free(path);
		return 0;
	}
	char *data;
	size_t len;
	int rc = source_read_file(path, &data, &len, err);
	if (rc == 0) {
		int line = 1;
		for (char *ln = data, *nl; rc == 0 && ln; ln = nl, line++) {
			nl = strchr(ln, '\n');
			if (nl)
				*nl++ = '\0';
			rc = conf_line(path, line, ln, c, err);
		}
		free(data);
	}
	free(path);
	return rc;
}

/* ---- transactions (PostgreSQLParser.detectCanExecuteInTransaction) --------------- */

/* The statement's words, upper case, one blank between them (at most cap bytes). */
static void simplify(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	int blank = 0;
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c) || c == ';') {
			blank = o > 0;
			continue;
		}
		if (blank)
			out[o++] = ' ';
		blank = 0;
		out[o++] = (char)toupper(c);
	}
	out[o] = '\0';
}

static int starts(const char *s, const char *w)
{
	size_t k = strlen(w);
	return strncmp(s, w, k) == 0 && (s[k] == '\0' || s[k] == ' ');
}

/* 1 when Flyway finds that the statement cannot run in a transaction */
static int non_transactional(const char *s, size_t n)
{
	char buf[512];
	simplify(s, n, buf, sizeof(buf));
	static const char *const words[] = {
		"CREATE DATABASE", "DROP DATABASE", "CREATE TABLESPACE", "DROP TABLESPACE", "CREATE SUBSCRIPTION",
		"DROP SUBSCRIPTION", "ALTER SYSTEM", "CREATE INDEX CONCURRENTLY", "CREATE UNIQUE INDEX CONCURRENTLY",
		"DROP INDEX CONCURRENTLY", "DROP UNIQUE INDEX CONCURRENTLY", "REINDEX SCHEMA", "REINDEX DATABASE",
		"REINDEX SYSTEM", "REINDEX VERBOSE SCHEMA", "REINDEX VERBOSE DATABASE", "REINDEX VERBOSE SYSTEM",
		"VACUUM", "DISCARD ALL", NULL,
	};
	for (size_t i = 0; words[i]; i++)
		if (starts(buf, words[i]))
			return 1;
	return starts(buf, "ALTER TYPE") && strstr(buf, " ADD VALUE") != NULL;
}

/*
 * Whether text[from..to) runs in a transaction as Flyway runs it: *no_tx set when every statement
 * cannot; a mix is refused (Flyway's "Detected both transactional and non-transactional statements").
 */
static int detect_transaction(const char *path, const char *text, size_t from, size_t to, int line0, int *no_tx,
			      struct pgb_error *err)
{
	struct sql_script script;
	struct pgb_error lex;
	pgb_error_init(&lex);
	int rc = 0;
	if (sql_split(text + from, to - from, NULL, &script, &lex) != 0) {
		pgb_error_free(&lex);
		return 0; /* migfile_load reports what the lexer cannot read */
	}
	size_t ntx = 0, nno = 0;
	int no_line = 0, tx_line = 0;
	for (size_t i = 0; i < script.n; i++) {
		const struct sql_stmt *st = &script.stmts[i];
		if (st->kind != SQL_STMT_SQL)
			continue;
		if (non_transactional(text + from + st->start, st->end - st->start)) {
			if (!nno++)
				no_line = st->line;
		} else if (!ntx++) {
			tx_line = st->line;
		}
	}
	sql_script_free(&script);
	if (nno && ntx) {
		int l = line0 + no_line - 1;
		pgb_fail(err, PGB_EXIT_CONFIG,
			 "\"%s\" mixes statements that cannot run in a transaction (line %d) with ones that run in one "
			 "(line %d)",
			 path, l, line0 + tx_line - 1);
		pgb_error_detail(err, "Flyway refuses such a script unless \"mixed\" is on, and then runs it statement "
				      "by statement.");
		pgb_error_hint(err, "Move the statement at line %d into a migration of its own, or add \"%s.conf\" "
				    "holding \"executeInTransaction=false\".",
			       l, path);
		pgb_error_locus(err, path, l, 0);
		rc = -1;
	} else if (nno) {
		*no_tx = 1;
	}
	return rc;
}

/* ---- the scan ---------------------------------------------------------------------- */

static int by_version(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int c = flyway_version_compare(x->nm.version, y->nm.version);
	return c ? c : strcmp(x->path, y->path);
}

/* two files of one kind that Flyway reads as the same version ("V1.0" and "V1"): refused */
static int check_unique(const struct found *f, size_t n, struct pgb_error *err)
{
	for (size_t i = 1; i < n; i++)
		if (flyway_version_compare(f[i - 1].nm.version, f[i].nm.version) == 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "duplicate Flyway version %s: \"%s\" and \"%s\"", f[i].nm.version,
				 f[i - 1].path, f[i].path);
			pgb_error_detail(err, "Flyway compares versions part by part as numbers and ignores trailing zeros "
					      "(1.0 is 1); it refuses them too (\"Found more than one migration with "
					      "version\").");
			pgb_error_hint(err, "Renumber one of them.");
			pgb_error_locus(err, f[i].path, 0, 0);
			return -1;
		}
	return 0;
}

/* read a script's text with its config; placeholders refused unless the config turns them off */
static int read_script(const char *path, char **data, size_t *len, struct script_conf *c, struct pgb_error *err)
{
	if (read_conf(path, c, err) || source_read_file(path, data, len, err))
		return -1;
	if (c->placeholders && refuse_placeholders(path, *data, *len, err)) {
		free(*data);
		return -1;
	}
	return 0;
}

static int load_version(struct migfile *mf, const struct found *v, const struct found *u, struct pgb_error *err)
{
	mf->kind = MIG_MIGRATION;
	mf->path = xstrdup(v->path);
	mf->name = xstrdup(v->nm.description);
	if (version_parse_text(v->nm.version, &mf->version))
		return pgb_fail(err, PGB_EXIT_CONFIG, "invalid version \"%s\" in \"%s\"", v->nm.version, v->path);
	struct script_conf vc, uc = {-1, 1};
	char *up, *down = NULL;
	size_t up_len, down_len = 0;
	if (read_script(v->path, &up, &up_len, &vc, err))
		return -1;
	if (u && read_script(u->path, &down, &down_len, &uc, err)) {
		free(up);
		return -1;
	}
	int rc = migfile_load_split(mf, up, up_len, down, down_len, u ? u->path : NULL, err);
	free(down);
	if (rc)
		return -1;
	if (vc.tx == 0)
		mf->no_transaction = 1;
	else if (vc.tx < 0 && detect_transaction(mf->path, mf->content, 0, mf->up_len, 1, &mf->no_transaction, err))
		return -1;
	if (u && uc.tx == 0)
		mf->down_no_transaction = 1;
	else if (u && uc.tx < 0 &&
		 detect_transaction(u->path, mf->content, mf->down_start, mf->len, 1, &mf->down_no_transaction, err))
		return -1;
	return 0;
}

/* ResolvedMigrationComparator: repeatables by description (String.compareTo: UTF-16 units; UTF-8 bytes
 * order the same but for characters beyond the BMP against U+E000..U+FFFF) */
static int by_description(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->nm.description, ((const struct found *)b)->nm.description);
}

static int load_repeatable(struct migfile *mf, const struct found *r, struct pgb_error *err)
{
	mf->kind = MIG_REPEATABLE;
	mf->path = xstrdup(r->path);
	mf->name = xstrdup(r->nm.description);
	mf->version.text = xstrdup("R"); /* no version: "R_<description>" in log lines */
	struct script_conf c;
	char *text;
	size_t len;
	if (read_script(r->path, &text, &len, &c, err) || migfile_load(mf, text, len, err))
		return -1;
	if (c.tx == 0)
		mf->no_transaction = 1;
	else if (c.tx < 0 && detect_transaction(mf->path, mf->content, 0, mf->up_len, 1, &mf->no_transaction, err))
		return -1;
	return 0;
}

/* the R__ files, ordered by description; two with one description refused (Flyway: "Found more than one
 * repeatable migration with description") */
static int load_repeatables(struct scan *rs, struct migset *out, struct pgb_error *err)
{
	if (rs->n > 1)
		qsort(rs->f, rs->n, sizeof(*rs->f), by_description);
	for (size_t i = 1; i < rs->n; i++)
		if (strcmp(rs->f[i - 1].nm.description, rs->f[i].nm.description) == 0) {
			pgb_fail(err, PGB_EXIT_CONFIG, "duplicate Flyway repeatable migration \"%s\": \"%s\" and \"%s\"",
				 rs->f[i].nm.description, rs->f[i - 1].path, rs->f[i].path);
			pgb_error_hint(err, "Rename or remove one of them.");
			pgb_error_locus(err, rs->f[i].path, 0, 0);
			return -1;
		}
	out->repeatables = xcalloc(rs->n ? rs->n : 1, sizeof(struct migfile));
	for (size_t i = 0; i < rs->n; i++) {
		out->nrepeatables++;
		if (load_repeatable(&out->repeatables[i], &rs->f[i], err))
			return -1;
	}
	return 0;
}

/* the U file of each V (sorted both): refused when one has no V or two have one version */
static int pair_undos(const struct scan *vs, const struct scan *us, const struct found **undo, struct pgb_error *err)
{
	if (check_unique(us->f, us->n, err))
		return -1;
	for (size_t i = 0; i < us->n; i++) {
		size_t k = 0;
		while (k < vs->n && flyway_version_compare(vs->f[k].nm.version, us->f[i].nm.version) != 0)
			k++;
		if (k == vs->n) {
			pgb_fail(err, PGB_EXIT_CONFIG, "undo migration \"%s\" has no versioned migration %s",
				 us->f[i].path, us->f[i].nm.version);
			pgb_error_hint(err, "Add its V%s__ file, or remove the undo file.", us->f[i].nm.version);
			pgb_error_locus(err, us->f[i].path, 0, 0);
			return -1;
		}
		undo[k] = &us->f[i];
	}
	return 0;
}

static int build(struct scan *all, struct migset *out, struct pgb_error *err)
{
	for (size_t i = 0; i < all->n; i++)
		if (refuse_kind(&all->f[i], err))
			return -1;
	struct scan vs = {0}, us = {0}, rs = {0};
	for (size_t i = 0; i < all->n; i++) {
		enum flyway_kind k = all->f[i].nm.kind;
		struct scan *to = k == FLYWAY_UNDO ? &us : k == FLYWAY_REPEATABLE ? &rs : &vs;
		to->f = xrealloc(to->f, sizeof(*to->f) * (to->n + 1));
		to->f[to->n++] = all->f[i];
	}
	/* vs and us borrow the entries of all */
	int rc = -1;
	const struct found **undo = xcalloc(vs.n ? vs.n : 1, sizeof(*undo));
	if (vs.n > 1)
		qsort(vs.f, vs.n, sizeof(*vs.f), by_version);
	if (us.n > 1)
		qsort(us.f, us.n, sizeof(*us.f), by_version);
	if (check_unique(vs.f, vs.n, err) || pair_undos(&vs, &us, undo, err))
		goto out;
	out->files = xcalloc(vs.n ? vs.n : 1, sizeof(struct migfile));
	for (size_t i = 0; i < vs.n; i++) {
		out->n++;
		if (load_version(&out->files[i], &vs.f[i], undo[i], err))
			goto out;
	}
	rc = load_repeatables(&rs, out, err);
out:
	free(undo);
	free(vs.f);
	free(us.f);
	free(rs.f);
	return rc;
}

static int scan_dir(const char *dir, struct migset *out, struct pgb_error *err)
{
	memset(out, 0, sizeof(*out));
	char **locs;
	size_t nlocs;
	if (split_locations(dir, &locs, &nlocs, err))
		return -1;
	struct scan all = {0};
	int rc = 0;
	for (size_t i = 0; i < nlocs && rc == 0; i++)
		rc = walk(locs[i], 0, &all, err);
	free_locations(locs, nlocs);
	if (rc == 0)
		rc = build(&all, out, err);
	scan_free(&all);
	if (rc)
		migset_free(out);
	return rc;
}

/* ---- detect ----------------------------------------------------------------------- */

/* "V<digit>...__x.sql", "U<digit>...__x.sql" or "R__x.sql" */
static int looks_flyway(const char *name)
{
	if (!ends_with(name, ".sql") || !strstr(name, "__"))
		return 0;
	if (name[0] == 'R')
		return strncmp(name, "R__", 3) == 0;
	return (name[0] == 'V' || name[0] == 'U') && isdigit((unsigned char)name[1]);
}

static int detect(const char *dir, char **why, struct pgb_error *err)
{
	(void)err;
	char **locs;
	size_t nlocs;
	struct pgb_error ignored;
	pgb_error_init(&ignored);
	if (split_locations(dir, &locs, &nlocs, &ignored)) {
		pgb_error_free(&ignored);
		/* "classpath:..." is Flyway's own spelling: chosen, so that scan says why it cannot be read */
		if (!strstr(dir, "classpath:"))
			return 0;
		*why = xasprintf("\"%s\" names Flyway locations", dir);
		return 1;
	}
	char *found = NULL;
	int theirs = 0; /* a file named as pgboot's: the directory is no Flyway project */
	for (size_t i = 0; i < nlocs && !theirs; i++) {
		DIR *d = opendir(locs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while (!theirs && (de = readdir(d)) != NULL) {
			if (!found && looks_flyway(de->d_name))
				found = xstrdup(de->d_name);
			theirs = isdigit((unsigned char)de->d_name[0]) && ends_with(de->d_name, ".sql");
		}
		closedir(d);
	}
	free_locations(locs, nlocs);
	if (found && !theirs)
		*why = xasprintf("\"%s\" is named as Flyway's migrations", found);
	int r = found && !theirs;
	free(found);
	return r;
}

/* ---- markers: Flyway has none; its comments are comments -------------------------- */

static int read_marker(const char *line, size_t n, size_t body, struct marker *m, struct pgb_error *err)
{
	(void)line;
	(void)n;
	(void)body;
	(void)m;
	(void)err;
	return 0;
}

static const struct layout_example examples[] = {
	{"-- V2__add_users.sql: a comment", MARKER_NONE, 0},
	{NULL, MARKER_NONE, 0},
};

/* ---- pgboot new ------------------------------------------------------------------- */

/*
 * The next version: one more than the first part of the highest version, in
 * its width ("3" after "2.1", "003" after "002"); "1" in an empty location.
 */
static char *next_major(const struct migset *set)
{
	if (set->n == 0)
		return xstrdup("1");
	const char *v = set->files[set->n - 1].version.text; /* scan_dir orders by version */
	size_t d = strspn(v, "0123456789");
	char *major = xasprintf("%.*s", (int)d, v); /* as text: Flyway's versions are BigIntegers */
	size_t i = d;
	while (i > 0 && major[i - 1] == '9')
		major[--i] = '0';
	if (i > 0) {
		major[i - 1]++;
		return major;
	}
	char *grown = xasprintf("1%s", major);
	free(major);
	return grown;
}

/*
 * Flyway has no command that makes a migration (its CLI reads them only): an
 * empty "V<next>__<name>.sql" in the first location, made with O_EXCL.
 */
static int create(const char *dir, const struct migset *set, const char *name, char **path, struct pgb_error *err)
{
	char **locs;
	size_t nlocs;
	if (split_locations(dir, &locs, &nlocs, err))
		return -1;
	char *v = next_major(set);
	char *fname = xasprintf("V%s__%s.sql", v, name);
	const struct layout_new_file files[] = {{fname, ""}};
	int rc = layout_create_files(locs[0], NULL, files, 1, path, err);
	free(v);
	free(fname);
	free_locations(locs, nlocs);
	return rc;
}

const struct layout layout_flyway = {
	.name = "flyway",
	.read_marker = read_marker,
	.examples = examples,
	.detect = detect,
	.scan = scan_dir,
	.create = create,
};
