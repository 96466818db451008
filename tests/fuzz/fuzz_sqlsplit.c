// fuzz-sources: src/sqlsplit.c src/rules/stmt.c src/utf8.c src/error.c src/xmem.c src/strbuf.c
/*
 * fuzz_sqlsplit.c: libFuzzer target for the SQL lexer and its helpers.
 * Splits the input with standard_conforming_strings on and off and checks
 * what every caller relies on: spans in order, not overlapping, inside the
 * buffer, starting at a token, with a line and column that sql_locate and
 * sql_offset_locus agree on; errors carry a position. The helpers run on
 * every statement. Any violation aborts (a crash for libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlsplit.h"
#include "stmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                          \
	do {                                                                                \
		if (!(c)) {                                                                 \
			fprintf(stderr, "fuzz_sqlsplit: invariant failed: %s (line %d)\n", #c, __LINE__); \
			abort();                                                            \
		}                                                                           \
	} while (0)

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The tokens of an accepted statement: the first at its start, in order, none empty, none past its end. */
static void check_tokens(const char *buf, const struct sql_stmt *st)
{
	struct sql_tokens t;
	struct sql_token k;
	size_t at = st->start;
	sql_tokens_init(&t, buf, st);
	for (int first = 1; sql_token_next(&t, &k); first = 0) {
		size_t start = (size_t)(k.s - buf);
		REQUIRE(first ? start == st->start : start >= at);
		REQUIRE(k.n > 0 && start + k.n <= st->end);
		REQUIRE(k.kind != SQL_TOKEN_END && k.depth >= 0);
		at = start + k.n;
	}
	REQUIRE(k.kind == SQL_TOKEN_END);
}

/* COPY FROM STDIN's data: whole lines after the statement, ended by a line "\.", in no statement. */
static void check_copy_data(const char *buf, size_t len, const struct sql_script *s, const struct sql_stmt *st)
{
	/* (a COPY a meta-command ends is sent by \g and friends, which pgboot refuses: no data is read for it) */
	REQUIRE((st->data_line > 0) == (st->terminated && stmt_is_copy_from_stdin(buf, st) == 1));
	if (st->data_line == 0) {
		REQUIRE(st->data_start == 0 && st->data_len == 0);
		return;
	}
	size_t a = st->data_start, b = a + st->data_len;
	REQUIRE(a > st->end && buf[a - 1] == '\n');
	REQUIRE(b + 2 <= len && buf[b] == '\\' && buf[b + 1] == '.');
	REQUIRE(b + 2 == len || buf[b + 2] == '\n' || (buf[b + 2] == '\r' && (b + 3 == len || buf[b + 3] == '\n')));
	REQUIRE(st->data_len == 0 || buf[b - 1] == '\n');
	int line, col;
	REQUIRE(sql_offset_locus(buf, len, a, &line, &col) == 0 && line == st->data_line && col == 1);
	for (size_t k = 0; k < s->n; k++)
		REQUIRE(s->stmts[k].end <= a || s->stmts[k].start >= b + 2);
}

static void check_split(const char *buf, size_t len, int std)
{
	/* half the inputs as one Query message (a SET inside changes nothing): the same invariants */
	struct sqlsplit_opts o = {.standard_conforming_strings = std, .one_message = (int)((len >> 4) & 1)};
	struct sql_script s;
	struct pgb_error err;
	pgb_error_init(&err);
	/*
	 * Error details are checked on one input in 16 only: pgb_fail leaks a
	 * little (see lsan.supp), and every leak makes libFuzzer run a full
	 * leak check, which would slow the fuzzer down a hundredfold.
	 */
	int want_err = (len & 15) == 0;
	if (sql_split(buf, len, &o, &s, want_err ? &err : NULL) != 0) {
		REQUIRE(s.stmts == NULL && s.n == 0);
		if (!want_err)
			return;
		REQUIRE(err.code == PGB_EXIT_CONFIG);
		REQUIRE(err.message != NULL &&
			(strncmp(err.message, "unterminated ", 13) == 0 || strncmp(err.message, "COPY FROM STDIN ", 16) == 0 ||
			 strncmp(err.message, "a statement after COPY FROM STDIN ", 34) == 0));
		REQUIRE(err.line >= 1 && err.column >= 1);
		REQUIRE(err.file == NULL);
		REQUIRE(s.stmts == NULL && s.n == 0);
		char *e = sql_caret_excerpt(buf, len, err.line, err.column);
		REQUIRE(e != NULL);
		free(e);
		pgb_error_free(&err);
		return;
	}
	REQUIRE(err.code == 0);
	size_t prev_end = 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct sql_stmt *st = &s.stmts[i];
		REQUIRE(st->start >= prev_end);
		REQUIRE(st->start < st->end && st->end <= len);
		REQUIRE(!is_space((unsigned char)buf[st->start]));
		REQUIRE(!(st->end - st->start >= 2 && buf[st->start] == '-' && buf[st->start + 1] == '-'));
		REQUIRE(!(st->end - st->start >= 2 && buf[st->start] == '/' && buf[st->start + 1] == '*'));
		if (st->kind == SQL_STMT_META) {
			REQUIRE(buf[st->start] == '\\');
			REQUIRE(memchr(buf + st->start, '\n', st->end - st->start) == NULL);
			REQUIRE(stmt_txn(buf, st) == STMT_TXN_NONE);
		} else {
			REQUIRE(st->kind == SQL_STMT_SQL);
			if (st->terminated)
				REQUIRE(buf[st->end - 1] == ';');
			REQUIRE(st->psql_escape == SQL_NO_ESCAPE ||
				(st->psql_escape >= st->start && st->psql_escape + 1 < st->end &&
				 buf[st->psql_escape] == '\\'));
			enum stmt_txn txn = stmt_txn(buf, st);
			REQUIRE(txn >= STMT_TXN_NONE && txn <= STMT_TXN_OTHER);
			check_tokens(buf, st);
		}
		/* a statement not ended by ';' ends at a meta-command or the end */
		if (st->kind == SQL_STMT_SQL && !st->terminated)
			REQUIRE(st->end == len || (i + 1 < s.n && s.stmts[i + 1].kind == SQL_STMT_META &&
						   s.stmts[i + 1].start == st->end));
		check_copy_data(buf, len, &s, st);
		prev_end = st->end;
		/* the position helpers are linear each: check a sample, or the
		 * harness would be quadratic in the number of statements */
		size_t every = s.n > 8 ? s.n / 8 : 1;
		if (i % every != 0)
			continue;
		int line, col;
		REQUIRE(sql_offset_locus(buf, len, st->start, &line, &col) == 0);
		REQUIRE(line == st->line && col == st->column);
		long pos = (long)sql_char_count(buf, st->start) + 1;
		size_t ls, le;
		REQUIRE(sql_locate(buf, len, pos, &line, &col, &ls, &le) == 0);
		REQUIRE(line == st->line && col == st->column);
		REQUIRE(ls <= st->start && st->start <= le && le <= len);
		char *e = sql_caret_excerpt(buf, len, st->line, st->column);
		REQUIRE(e != NULL && strchr(e, '^') != NULL);
		free(e);
		int idem = stmt_is_idempotent(buf, st);
		REQUIRE(idem == 0 || idem == 1);
		REQUIRE(st->kind == SQL_STMT_SQL || idem == 0);
		int copy = stmt_is_copy_from_stdin(buf, st);
		REQUIRE(copy == 0 || copy == 1);
		int sets = stmt_sets_session(buf, st);
		REQUIRE(sets == 0 || sets == 1);
	}
	sql_script_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* copy so that ASan catches any read past the end */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check_split(buf, size, 1);
	check_split(buf, size, 0);

	/* sql_locate at a sample of positions, in range and just outside */
	size_t n = sql_char_count(buf, size);
	long step = n > 8 ? (long)(n / 8) : 1;
	int prev_line = 0, prev_col = 0;
	for (long p = 1; p <= (long)n + 1; p += step) {
		int line, col;
		size_t ls, le;
		REQUIRE(sql_locate(buf, size, p, &line, &col, &ls, &le) == 0);
		REQUIRE(ls <= le && le <= size);
		REQUIRE(line > prev_line || (line == prev_line && col > prev_col));
		prev_line = line, prev_col = col;
		char *e = sql_caret_excerpt(buf, size, line, col);
		REQUIRE(e != NULL);
		free(e);
	}
	REQUIRE(sql_locate(buf, size, (long)n + 2, NULL, NULL, NULL, NULL) == -1);
	REQUIRE(sql_locate(buf, size, 0, NULL, NULL, NULL, NULL) == -1);
	free(buf);
	return 0;
}
