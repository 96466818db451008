// fuzz-sources: src/migfile.c src/layouts/*.c src/lint/*.c src/pgq.c src/json.c src/log.c src/redact.c src/source.c src/json_read.c src/rules/stmt.c src/sqlsplit.c src/utf8.c src/version.c src/error.c src/xmem.c src/strbuf.c
// fuzz-libs: -lpg_query -lsodium
/*
 * fuzz_migfile.c: libFuzzer target for a migration file's up and down parts
 * (migfile.c, the layouts of src/layouts/). The property issue 10 asks for: the up part is
 * never empty when the file has SQL before any down marker. A down marker
 * is found here by reading every line with marker_read, blind to quotes and
 * comments, so this oracle's first down line is at or before the one
 * migfile finds: everything before it must open the up part unchanged, and
 * must make it non-empty when it holds a statement. Also: a file without a
 * down part is its own up part (bytes and checksum), and every refusal is a
 * configuration error naming the file and a line. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marker.h"
#include "migfile.h"
#include "sqlsplit.h"
#include "xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                          \
	do {                                                                                \
		if (!(c)) {                                                                 \
			fprintf(stderr, "fuzz_migfile: invariant failed: %s (line %d)\n", #c, __LINE__); \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* the offset of the first line that reads as a down marker, else len */
static size_t first_down_line(const char *s, size_t len)
{
	size_t at = 0;
	while (at < len) {
		const char *nl = memchr(s + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (s + at)) : len - at;
		/* the lexer ends a "--" comment at a '\r' too: so does migfile's marker line */
		const char *cr = memchr(s + at, '\r', n);
		size_t line_len = n;
		if (cr)
			n = (size_t)(cr - (s + at));
		size_t skip = at == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
		struct marker m;
		struct pgb_error err;
		pgb_error_init(&err);
		int r = marker_read(s + at + skip, n - skip, &m, &err);
		pgb_error_free(&err);
		if (r == 0 && m.kind == MARKER_DOWN)
			return at;
		at += line_len + 1;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *orig = xmalloc(size + 1);
	memcpy(orig, data, size);
	orig[size] = '\0';
	struct migfile mf;
	memset(&mf, 0, sizeof(mf));
	mf.path = xstrdup("migrations/0001_f.sql");
	mf.name = xstrdup("f");
	char *content = xmalloc(size + 1);
	memcpy(content, orig, size + 1);
	struct pgb_error err;
	pgb_error_init(&err);
	if (migfile_load(&mf, content, size, &err) != 0) {
		REQUIRE(err.code == PGB_EXIT_CONFIG);
		REQUIRE(err.message != NULL);
		REQUIRE(err.file != NULL && strcmp(err.file, "migrations/0001_f.sql") == 0);
		REQUIRE(err.line >= 1);
		pgb_error_free(&err);
		migfile_free(&mf);
		free(orig);
		return 0;
	}
	REQUIRE(err.code == 0);
	REQUIRE(mf.up_len <= mf.len && mf.content[mf.len] == '\0');
	if (!migfile_has_down(&mf)) {
		REQUIRE(mf.len == size && mf.up_len == size && memcmp(mf.content, orig, size) == 0);
		char sum[65];
		migfile_checksum(orig, size, sum);
		REQUIRE(strcmp(sum, mf.checksum) == 0);
	} else {
		REQUIRE(mf.down_start >= mf.up_len && mf.down_start <= mf.len);
		REQUIRE(mf.down_line >= 2);
	}
	/* what precedes the first down marker opens the up part, unchanged */
	size_t p = first_down_line(orig, size);
	REQUIRE(mf.up_len >= p);
	REQUIRE(memcmp(mf.content, orig, p) == 0);
	size_t bom = p >= 3 && memcmp(orig, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if (!sql_is_blank(orig + bom, p - bom))
		REQUIRE(!mf.empty);
	/* the up part keeps the file's line count up to its end (error positions map) */
	size_t lines_up = 0, lines_orig = 0;
	for (size_t i = 0; i < mf.up_len; i++)
		lines_up += mf.content[i] == '\n';
	for (size_t i = 0; i < size && lines_orig <= lines_up; i++)
		lines_orig += orig[i] == '\n';
	REQUIRE(lines_orig >= lines_up);
	migfile_free(&mf);
	free(orig);
	return 0;
}
