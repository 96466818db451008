/*
 * split_dump.c: print what sql_split finds in a file, for the psql
 * equivalence test (tests/psql_equiv/run.sh). One record per span:
 *
 *     <kind><terminated><start>:<end>:<text>\0
 *
 * kind is 'S' (SQL) or 'M' (meta-command), terminated '1' or '0', start and
 * end the byte offsets of the span, text its exact bytes. On a lexer error prints "E<line>:<col> <message>"
 * to stdout and exits 1. Usage: split_dump [--no-std-strings] FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlsplit.h"
#include "strbuf.h"

int main(int argc, char **argv)
{
	struct sqlsplit_opts o = {.standard_conforming_strings = 1};
	int a = 1;
	if (a < argc && strcmp(argv[a], "--no-std-strings") == 0)
		o.standard_conforming_strings = 0, a++;
	if (a + 1 != argc) {
		fprintf(stderr, "usage: split_dump [--no-std-strings] FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[a], "rb");
	if (!f) {
		perror(argv[a]);
		return 2;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	fclose(f);

	struct sql_script s;
	struct pgb_error err;
	pgb_error_init(&err);
	if (sql_split(sb.buf, sb.len, &o, &s, &err) != 0) {
		printf("E%d:%d %s\n", err.line, err.column, err.message);
		pgb_error_free(&err);
		strbuf_free(&sb);
		return 1;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct sql_stmt *st = &s.stmts[i];
		putchar(st->kind == SQL_STMT_META ? 'M' : 'S');
		putchar(st->terminated ? '1' : '0');
		printf("%zu:%zu:", st->start, st->end);
		fwrite(sb.buf + st->start, 1, st->end - st->start, stdout);
		putchar('\0');
	}
	sql_script_free(&s);
	strbuf_free(&sb);
	return 0;
}
