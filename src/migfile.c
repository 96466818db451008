/* migfile.c: up/down parts, directives and checksum of one file (see migfile.h). */
#include "migfile.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmem.h"

void migfile_checksum(const char *data, size_t len, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	size_t from = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (data[i] == '\r' && data[i + 1] == '\n') {
			crypto_hash_sha256_update(&st, (const unsigned char *)data + from, i - from);
			from = i + 1;
		}
	}
	crypto_hash_sha256_update(&st, (const unsigned char *)data + from, len - from);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int migfile_is_blank_sql(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (isspace((unsigned char)s[i])) {
			i++;
		} else if (s[i] == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (i < len && depth > 0) {
				if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else {
			return 0;
		}
	}
	return 1;
}

/* length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned min;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = s[0] & (0xFF >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
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
		size_t n = utf8_seq((const unsigned char *)s + i, len - i);
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
	while (i < len && (n = utf8_seq((const unsigned char *)fname + i, len - i)) != 0)
		i += n;
	if (i == len)
		return 0;
	/* show the name with every byte that is not UTF-8 as \xNN */
	struct strbuf shown;
	strbuf_init(&shown);
	for (i = 0; i < len; i += n) {
		n = utf8_seq((const unsigned char *)fname + i, len - i);
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

/* The trimmed text of a "--" comment line, or NULL when the line is not one. */
static int comment_body(const char *line, size_t n, const char **body, size_t *blen)
{
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	size_t i = 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i + 1 >= n || line[i] != '-' || line[i + 1] != '-')
		return 0;
	i += 2;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*body = line + i;
	*blen = n - i;
	return 1;
}

static int body_is(const char *body, size_t blen, const char *word)
{
	return blen == strlen(word) && strncasecmp(body, word, blen) == 0;
}

/* markers that open the down part, ours and the peers' */
static int is_down_marker(const char *body, size_t blen)
{
	return body_is(body, blen, "pgboot:down") || body_is(body, blen, "migrate:down") ||
	       body_is(body, blen, "+goose Down") || body_is(body, blen, "+migrate Down");
}

/* directives asking for no transaction, ours and the peers' */
static int is_no_transaction(const char *body, size_t blen)
{
	return body_is(body, blen, "pgboot:no-transaction") || body_is(body, blen, "migrate:up transaction:false") ||
	       body_is(body, blen, "+goose NO TRANSACTION") || body_is(body, blen, "morph:nontransactional") ||
	       body_is(body, blen, "no-transaction") || body_is(body, blen, "+migrate Up notransaction");
}

static int is_up_marker(const char *body, size_t blen)
{
	return body_is(body, blen, "pgboot:up") || body_is(body, blen, "migrate:up") ||
	       body_is(body, blen, "+goose Up") || body_is(body, blen, "+migrate Up");
}

/* Handle a comment line in the leading block; returns -1 on an unknown pgboot: directive. */
static int leading_directive(struct migfile *mf, const char *body, size_t blen, int line, struct pgb_error *err)
{
	if (is_no_transaction(body, blen)) {
		mf->no_transaction = 1;
		return 0;
	}
	if (body_is(body, blen, "pgboot:idempotent")) {
		mf->idempotent = 1;
		return 0;
	}
	if (is_up_marker(body, blen))
		return 0;
	if (blen > 7 && strncasecmp(body, "pgboot:", 7) == 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "unrecognized directive \"-- %.*s\"", (int)blen, body);
		pgb_error_locus(err, mf->path, line, 0);
		pgb_error_hint(err, "Known directives: \"-- pgboot:up\", \"-- pgboot:down\", \"-- pgboot:no-transaction\", \"-- pgboot:idempotent\".");
		return -1;
	}
	return 0;
}

/* A down marker outside the leading block; returns -1 on a second one. */
static int find_down(struct migfile *mf, size_t at, size_t next, int line, struct pgb_error *err)
{
	if (mf->has_down) {
		pgb_fail(err, PGB_EXIT_CONFIG, "second down marker in \"%s\"", mf->path);
		pgb_error_locus(err, mf->path, line, 0);
		pgb_error_detail(err, "The down part already started on line %d.", mf->down_line - 1);
		return -1;
	}
	mf->has_down = 1;
	mf->up_len = at;
	mf->down_start = next;
	mf->down_line = line + 1;
	return 0;
}

static int scan_lines(struct migfile *mf, struct pgb_error *err)
{
	int leading = 1, line = 1;
	/* a UTF-8 byte-order mark must not hide a directive on the first line */
	size_t at = mf->len >= 3 && memcmp(mf->content, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (at < mf->len) {
		const char *nl = memchr(mf->content + at, '\n', mf->len - at);
		size_t n = nl ? (size_t)(nl - (mf->content + at)) : mf->len - at;
		size_t next = at + n + (nl ? 1 : 0);
		const char *body;
		size_t blen;
		if (comment_body(mf->content + at, n, &body, &blen)) {
			if (is_down_marker(body, blen)) {
				if (find_down(mf, at, next, line, err))
					return -1;
				leading = 0;
			} else if (leading && leading_directive(mf, body, blen, line, err)) {
				return -1;
			}
		} else if (!migfile_is_blank_sql(mf->content + at, n)) {
			leading = 0;
		}
		at = next;
		line++;
	}
	return 0;
}

int migfile_load(struct migfile *mf, char *content, size_t len, struct pgb_error *err)
{
	mf->content = content;
	mf->len = len;
	mf->up_len = len;
	if (validate_text(mf->path, content, len, err))
		return -1;
	if (scan_lines(mf, err))
		return -1;
	mf->empty = migfile_is_blank_sql(content, mf->up_len);
	migfile_checksum(content, mf->up_len, mf->checksum);
	return 0;
}

void migfile_free(struct migfile *mf)
{
	free(mf->path);
	free(mf->name);
	free(mf->content);
	version_free(&mf->version);
	memset(mf, 0, sizeof(*mf));
}
