// fuzz-sources: src/lint/*.c src/pgq.c src/json_read.c src/json.c src/log.c src/redact.c src/sqlsplit.c src/rules/stmt.c src/utf8.c src/error.c src/xmem.c src/strbuf.c
// fuzz-libs: -lpg_query -lsodium
/*
 * fuzz_lint.c: libFuzzer target for the lint path (lint.h, pgq.h): the
 * input is a file's up part, linted offline as a transactional and as a
 * no-transaction file, twice in one run (the second file sees what the
 * first created). What every caller relies on: each finding names a rule,
 * a place inside the text (line >= 1, column >= 1), a reason; an ignored
 * one has no grade counted; the text and JSON output never crash. Any
 * violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                          \
	do {                                                                                \
		if (!(c)) {                                                                 \
			fprintf(stderr, "fuzz_lint: invariant failed: %s (line %d)\n", #c, __LINE__); \
			abort();                                                            \
		}                                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	int lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	struct lint_run run;
	lint_run_init(&run);
	run.offline = 1;
	struct lint_file a = {"a.sql", text, size, 0}, b = {"b.sql", text, size, 1};
	lint_file(&run, &a);
	lint_file(&run, &b);
	lint_grade(&run);
	size_t ignored = 0;
	for (size_t i = 0; i < run.n; i++) {
		const struct lint_finding *f = &run.findings[i];
		REQUIRE(f->rule && f->reason && f->file);
		REQUIRE(f->line >= 1 && f->line <= lines && f->column >= 1);
		REQUIRE(f->grade >= LINT_INFO && f->grade <= LINT_ERROR);
		REQUIRE(f->ignore_reason == NULL || f->ignored);
		ignored += f->ignored != 0;
	}
	REQUIRE(lint_count_at(&run, LINT_INFO) + ignored == run.n);
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		lint_print_text(null, &run);
		lint_print_json(null, &run);
		fclose(null);
	}
	lint_run_free(&run);
	free(text);
	return 0;
}
