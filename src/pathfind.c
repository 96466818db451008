/* pathfind.c: a program name to its file, as execvp finds it (see pathfind.h). */
#include "pathfind.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmem.h"

char *path_find_program(const char *name)
{
	struct stat st;
	if (strchr(name, '/'))
		return stat(name, &st) == 0 && S_ISREG(st.st_mode) ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	for (const char *p = path && *path ? path : "/bin:/usr/bin"; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = xasprintf("%.*s%s%s", (int)n, p, n ? "/" : "", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n + (p[n] == ':');
	}
	return NULL;
}
