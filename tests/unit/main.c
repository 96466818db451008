/* main.c: runs every registered unit test; see check.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct entry {
	const char *name;
	check_fn fn;
};

static struct entry *g_tests;
static int g_ntests;
int check_current_failed;

void check_register(const char *name, check_fn fn)
{
	g_tests = realloc(g_tests, sizeof(*g_tests) * (size_t)(g_ntests + 1));
	if (!g_tests)
		abort();
	g_tests[g_ntests].name = name;
	g_tests[g_ntests].fn = fn;
	g_ntests++;
}

void check_failed(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	check_current_failed = 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	qsort(g_tests, (size_t)g_ntests, sizeof(*g_tests), by_name);
	for (int i = 0; i < g_ntests; i++) {
		if (argc > 1 && !strstr(g_tests[i].name, argv[1]))
			continue;
		check_current_failed = 0;
		g_tests[i].fn();
		printf("%s - unit: %s\n", check_current_failed ? "not ok" : "ok", g_tests[i].name);
		if (check_current_failed)
			failed++;
		else
			passed++;
	}
	free(g_tests);
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
