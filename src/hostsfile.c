/* hostsfile.c: what the hosts file says about a name (see hostsfile.h). */
#include "hostsfile.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int hostsfile_is_localhost(const char *host)
{
	return host && (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0);
}

/* 1 when one line of the file ("ADDRESS NAME [ALIAS...] [# comment]") names name. */
static int line_lists(char *line, const char *name)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *save = NULL;
	char *addr = strtok_r(line, " \t\r\n", &save);
	if (!addr)
		return 0;
	for (char *w = strtok_r(NULL, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save))
		if (strcasecmp(w, name) == 0)
			return 1;
	return 0;
}

int hostsfile_lists(const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[1024];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		/* a longer line is read in pieces: a name cut in two is not found, as with musl */
		found = line_lists(line, name);
	}
	fclose(f);
	return found;
}
