/*
 * redact.c: connection strings without their passwords (see redact.h).
 *
 * libpq's two syntaxes are walked by one parser that reports every
 * keyword with its value's span, as written and as libpq would decode it:
 *
 *   postgresql://user:password@host1:5432,[::1]:5433/db?password=x&k=v
 *   host=db password='sec ret' user=app
 *
 * The consumers (redaction of a string, of its echoes and of libpq's
 * messages) only look at those reports. In a URL the user information ends at the last
 * '@': libpq stops at the first '@' before a '/', but a password that
 * holds an unencoded '/', '?' or '@' would then leak; masking too much is
 * the safe mistake.
 */
#include "redact.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "xmem.h"

#define MASK "***"
#define KEY_MAX 64

enum value_encoding { ENC_NONE, ENC_URL, ENC_KEYWORD };

struct pair {
	const char *key;       /* decoded keyword, NUL-terminated */
	const char *raw;       /* the value as written, with its quotes */
	size_t raw_len;
	const char *val;       /* the value inside its quotes, still encoded */
	size_t val_len;
	enum value_encoding enc;
};

typedef void pair_fn(const struct pair *pair, void *arg);

static const char *const url_prefixes[] = {"postgresql://", "postgres://"};

static size_t url_prefix_len(const char *s)
{
	for (size_t i = 0; i < sizeof(url_prefixes) / sizeof(url_prefixes[0]); i++) {
		size_t n = strlen(url_prefixes[i]);
		if (strncasecmp(s, url_prefixes[i], n) == 0)
			return n;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a value the way libpq does; a malformed %-escape stays as written. */
static char *decode(const char *s, size_t n, enum value_encoding enc)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		if (enc == ENC_URL && s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			strbuf_addc(&sb, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
		} else if (enc == ENC_KEYWORD && s[i] == '\\' && i + 1 < n) {
			strbuf_addc(&sb, s[++i]);
		} else {
			strbuf_addc(&sb, s[i]);
		}
	}
	return strbuf_detach(&sb);
}

static void report(pair_fn *fn, void *arg, const char *key, const char *v, size_t n,
		   enum value_encoding enc)
{
	struct pair p = {key, v, n, v, n, enc};
	fn(&p, arg);
}

/* A URL's query: k=v pairs separated by '&', keys percent-decoded. */
static void walk_query(const char *q, pair_fn *fn, void *arg)
{
	while (*q) {
		size_t len = strcspn(q, "&");
		size_t klen = strcspn(q, "=&");
		char key[KEY_MAX] = "";
		if (klen < len) {
			char *k = decode(q, klen, ENC_URL);
			if (strlen(k) < sizeof(key))
				strcpy(key, k);
			free(k);
			report(fn, arg, key, q + klen + 1, len - klen - 1, ENC_URL);
		}
		q += len;
		if (*q == '&')
			q++;
	}
}

static void walk_url(const char *s, size_t prefix, pair_fn *fn, void *arg)
{
	const char *p = s + prefix;
	const char *at = strrchr(p, '@');
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		size_t user_len = colon ? (size_t)(colon - p) : (size_t)(at - p);
		if (user_len > 0)
			report(fn, arg, "user", p, user_len, ENC_URL);
		if (colon)
			report(fn, arg, "password", colon + 1, (size_t)(at - colon - 1), ENC_URL);
		p = at + 1;
	}
	size_t hostlen = strcspn(p, "/?");
	if (hostlen > 0)
		report(fn, arg, "host", p, hostlen, ENC_URL);
	p += hostlen;
	if (*p == '/') {
		size_t dblen = strcspn(++p, "?");
		if (dblen > 0)
			report(fn, arg, "dbname", p, dblen, ENC_URL);
		p += dblen;
	}
	if (*p == '?')
		walk_query(p + 1, fn, arg);
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* A keyword string's value at p: quoted or bare, with backslash escapes. */
static const char *scan_value(const char *p, struct pair *pair)
{
	int quoted = *p == '\'';
	pair->raw = p;
	if (quoted)
		p++;
	pair->val = p;
	while (*p && (quoted ? *p != '\'' : !isspace((unsigned char)*p))) {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	if (quoted && *p != '\'')
		return NULL; /* unterminated quote */
	pair->val_len = (size_t)(p - pair->val);
	if (quoted)
		p++;
	pair->raw_len = (size_t)(p - pair->raw);
	return p;
}

/* libpq's conninfo_parse: keyword [spaces] = [spaces] value. Returns -1 on a syntax error. */
static int walk_keywords(const char *s, pair_fn *fn, void *arg)
{
	const char *p = skip_space(s);
	while (*p) {
		const char *k = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		size_t klen = (size_t)(p - k);
		p = skip_space(p);
		if (*p != '=')
			return -1;
		p = skip_space(p + 1);
		char key[KEY_MAX] = "";
		if (klen < sizeof(key))
			memcpy(key, k, klen);
		struct pair pair = {key, NULL, 0, NULL, 0, ENC_KEYWORD};
		p = scan_value(p, &pair);
		if (!p)
			return -1;
		fn(&pair, arg);
		p = skip_space(p);
	}
	return 0;
}

/*
 * Walk conninfo's keywords. Returns 0, or -1 when a keyword string cannot
 * be parsed. A string that is neither a URL nor has an '=' is a bare
 * database name to libpq: it reports nothing.
 */
static int walk_conninfo(const char *s, pair_fn *fn, void *arg)
{
	size_t prefix = url_prefix_len(s);
	if (prefix) {
		walk_url(s, prefix, fn, arg);
		return 0;
	}
	if (!strchr(s, '='))
		return 0;
	return walk_keywords(s, fn, arg);
}

static int is_secret_key(const char *key)
{
	return strcasecmp(key, "password") == 0 || strcasecmp(key, "sslpassword") == 0;
}

/* A dbname that is itself a connection string may carry a password. */
static int is_nested_conninfo(const struct pair *p)
{
	if (strcasecmp(p->key, "dbname") != 0 || p->enc != ENC_KEYWORD)
		return 0;
	char *v = decode(p->val, p->val_len, p->enc);
	int nested = url_prefix_len(v) > 0 || strchr(v, '=') != NULL;
	free(v);
	return nested;
}

/* ---- redaction ---------------------------------------------------------- */

struct redaction {
	const char *copied_to; /* src is copied into out up to here */
	struct strbuf out;
};

static void redact_pair(const struct pair *p, void *arg)
{
	struct redaction *r = arg;
	if (p->val_len == 0 || (!is_secret_key(p->key) && !is_nested_conninfo(p)))
		return;
	if (p->raw < r->copied_to)
		return; /* inside a span already masked */
	strbuf_add(&r->out, r->copied_to, (size_t)(p->raw - r->copied_to));
	strbuf_adds(&r->out, MASK);
	r->copied_to = p->raw + p->raw_len;
}

char *redact_conninfo(const char *conninfo)
{
	if (!conninfo)
		return xstrdup("");
	struct redaction r = {conninfo, {0}};
	strbuf_init(&r.out);
	if (walk_conninfo(conninfo, redact_pair, &r) != 0) {
		strbuf_free(&r.out);
		return xstrdup(MASK);
	}
	strbuf_adds(&r.out, r.copied_to);
	return strbuf_detach(&r.out);
}

int conninfo_url_host_has_at(const char *conninfo)
{
	size_t prefix = conninfo ? url_prefix_len(conninfo) : 0;
	if (!prefix)
		return 0;
	/* libpq's conninfo_uri_parse_options: the user information ends at the first '@' before a '/' */
	const char *p = conninfo + prefix;
	const char *stop = p + strcspn(p, "@/");
	if (*stop != '@')
		return 0;
	p = stop + 1;
	size_t netloc = strcspn(p, "/?");
	return memchr(p, '@', netloc) != NULL;
}

/* ---- echoes ---------------------------------------------------------------- */

#define MAX_SPANS 16

/* Where secrets are written in a connection string: byte offsets [start, end). */
struct secret_spans {
	const char *base;
	size_t n;
	size_t start[MAX_SPANS], end[MAX_SPANS];
};

static int is_delimiter(char c)
{
	return c == '\0' || strchr(" \t\r\n:@/?&=,[]'\"", c) != NULL;
}

/* libpq's keywords (PostgreSQL 15 to 17): a word before '=' that is none of them is no keyword */
static const char *const libpq_keywords[] = {
	"application_name", "channel_binding", "client_encoding", "connect_timeout", "dbname",
	"fallback_application_name", "gssdelegation", "gssencmode", "gsslib", "host", "hostaddr",
	"keepalives", "keepalives_count", "keepalives_idle", "keepalives_interval", "krbsrvname",
	"load_balance_hosts", "options", "passfile", "password", "port", "replication", "require_auth",
	"requirepeer", "service", "ssl_max_protocol_version", "ssl_min_protocol_version", "sslcert",
	"sslcertmode", "sslcompression", "sslcrl", "sslcrldir", "sslkey", "sslmode", "sslnegotiation",
	"sslpassword", "sslrootcert", "sslsni", "target_session_attrs", "tcp_user_timeout", "user",
};

static int is_libpq_keyword(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(libpq_keywords) / sizeof(libpq_keywords[0]); i++)
		if (strlen(libpq_keywords[i]) == n && strncmp(libpq_keywords[i], w, n) == 0)
			return 1;
	return 0;
}

/*
 * The words after an unquoted secret in a keyword string, up to the next
 * "keyword=", belong to it: "password=correct horse=x host=db" makes libpq
 * read "correct", then refuse "horse".
 */
static size_t extend_over_bare_words(const char *p)
{
	const char *start = p;
	for (;;) {
		const char *w = skip_space(p);
		size_t n = 0;
		while (w[n] && !isspace((unsigned char)w[n]) && w[n] != '=')
			n++;
		if (n == 0 || (skip_space(w + n)[0] == '=' && is_libpq_keyword(w, n)))
			return (size_t)(p - start);
		p = w + n;
		if (*p == '=' || skip_space(p)[0] == '=')
			p = skip_space(p) + 1; /* "horse=x": the '=' and what follows are the secret's too */
	}
}

static void add_span(const struct pair *p, void *arg)
{
	struct secret_spans *ss = arg;
	if (p->val_len == 0 || (!is_secret_key(p->key) && !is_nested_conninfo(p)) || ss->n == MAX_SPANS)
		return;
	size_t start = (size_t)(p->raw - ss->base), end = start + p->raw_len;
	if (p->enc == ENC_KEYWORD)
		end += extend_over_bare_words(ss->base + end);
	ss->start[ss->n] = start;
	ss->end[ss->n++] = end;
}

static int in_secret(const struct secret_spans *ss, size_t start, size_t end)
{
	for (size_t i = 0; i < ss->n; i++)
		if (start < ss->end[i] && end > ss->start[i])
			return 1;
	return 0;
}

/*
 * 1 when quoted text of a message is a piece of a secret: it is written in
 * conninfo as a whole field (delimited by the syntax's punctuation or
 * spaces), overlapping a secret, and nowhere as a field outside the secrets.
 */
static int is_secret_piece(const struct secret_spans *ss, const char *piece, size_t n)
{
	const char *s = ss->base;
	int inside = 0;
	for (size_t at = 0; n && s[at]; at++) {
		if (strncmp(s + at, piece, n) != 0)
			continue;
		if ((at > 0 && !is_delimiter(s[at - 1])) || !is_delimiter(s[at + n]))
			continue;
		if (!in_secret(ss, at, at + n))
			return 0;
		inside = 1;
	}
	return inside;
}

/* Replace every echo of conninfo in text by its redaction. */
static void replace_echoes(struct strbuf *sb, const char *conninfo)
{
	size_t clen = strlen(conninfo);
	if (clen == 0 || !strstr(sb->buf, conninfo))
		return;
	char *shown = redact_conninfo(conninfo);
	struct strbuf out;
	strbuf_init(&out);
	const char *p = sb->buf, *hit;
	while ((hit = strstr(p, conninfo)) != NULL) {
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_adds(&out, shown);
		p = hit + clen;
	}
	strbuf_adds(&out, p);
	free(shown);
	strbuf_free(sb);
	*sb = out;
}

char *redact_echo(const char *conninfo, const char *text)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, text ? text : "");
	if (!conninfo || !*conninfo)
		return strbuf_detach(&sb);
	replace_echoes(&sb, conninfo);
	struct secret_spans ss = {conninfo, 0, {0}, {0}};
	walk_conninfo(conninfo, add_span, &ss);
	if (ss.n == 0)
		return strbuf_detach(&sb);
	struct strbuf out;
	strbuf_init(&out);
	const char *p = sb.buf;
	const char *open;
	while ((open = strchr(p, '"')) != NULL) {
		const char *close = strchr(open + 1, '"');
		if (!close)
			break;
		size_t n = (size_t)(close - open - 1);
		strbuf_add(&out, p, (size_t)(open + 1 - p));
		if (is_secret_piece(&ss, open + 1, n))
			strbuf_adds(&out, MASK);
		else
			strbuf_add(&out, open + 1, n);
		strbuf_addc(&out, '"');
		p = close + 1;
	}
	strbuf_adds(&out, p);
	strbuf_free(&sb);
	return strbuf_detach(&out);
}

char *redact_echoes_of(const char *conninfo, const char *text)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, text ? text : "");
	if (conninfo && *conninfo)
		replace_echoes(&sb, conninfo);
	return strbuf_detach(&sb);
}

void secret_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

/* ---- another session's query text ----------------------------------------- */

/* The length of a dollar-quote tag ("$tag$", "$$") at p, or 0 when p starts none. */
static size_t dollar_tag(const char *p)
{
	if (*p != '$')
		return 0;
	size_t n = 1;
	if (isalpha((unsigned char)p[n]) || p[n] == '_' || (unsigned char)p[n] >= 0x80)
		while (isalnum((unsigned char)p[n]) || p[n] == '_' || (unsigned char)p[n] >= 0x80)
			n++;
	return p[n] == '$' ? n + 1 : 0;
}

static int ident_char(const char *sql, const char *p)
{
	if (p == sql)
		return 0;
	unsigned char c = (unsigned char)p[-1];
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Copy a quoted identifier whole; returns the text after it. */
static const char *copy_quoted_ident(struct strbuf *sb, const char *p)
{
	const char *end = strchr(p + 1, '"');
	end = end ? end + 1 : p + strlen(p);
	strbuf_add(sb, p, (size_t)(end - p));
	return end;
}

/* Mask a '...' literal (a backslash escapes: masking too much is the safe mistake); returns the text after it. */
static const char *mask_quoted(struct strbuf *sb, const char *p)
{
	const char *q = p + 1;
	for (;;) {
		if (!*q) {
			strbuf_adds(sb, "'" MASK);
			return q;
		}
		if (*q == '\\' && q[1])
			q += 2;
		else if (*q == '\'' && q[1] == '\'')
			q += 2;
		else if (*q == '\'')
			break;
		else
			q++;
	}
	strbuf_adds(sb, "'" MASK "'");
	return q + 1;
}

/* Mask a dollar-quoted literal whose tag is n bytes long; returns the text after it. */
static const char *mask_dollar(struct strbuf *sb, const char *p, size_t n)
{
	strbuf_add(sb, p, n);
	strbuf_adds(sb, MASK);
	const char *q = p + n;
	for (; *q; q++)
		if (strncmp(q, p, n) == 0) {
			strbuf_add(sb, p, n);
			return q + n;
		}
	return q;
}

char *redact_query_text(const char *sql, size_t max_chars)
{
	struct strbuf sb;
	strbuf_init(&sb);
	const char *p = sql ? sql : "";
	while (*p) {
		size_t tag;
		if (*p == '"')
			p = copy_quoted_ident(&sb, p);
		else if (*p == '\'')
			p = mask_quoted(&sb, p);
		else if (!ident_char(sql, p) && (tag = dollar_tag(p)) > 0)
			p = mask_dollar(&sb, p, tag);
		else
			strbuf_addc(&sb, *p++);
	}
	/* cut at a character boundary */
	size_t chars = 0, at = 0;
	while (at < sb.len && chars < max_chars) {
		at++;
		while (at < sb.len && ((unsigned char)sb.buf[at] & 0xC0) == 0x80)
			at++;
		chars++;
	}
	if (at < sb.len) {
		sb.buf[at] = '\0';
		sb.len = at;
		strbuf_adds(&sb, "...");
	}
	return strbuf_detach(&sb);
}
