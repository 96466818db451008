/* version.c: migration versions from file names (see version.h). */
#include "version.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

static void add_group(struct pgb_version *v, const char *digits, size_t n)
{
	while (n > 1 && *digits == '0') {
		digits++;
		n--;
	}
	v->groups = xrealloc(v->groups, sizeof(char *) * (v->ngroups + 1));
	v->groups[v->ngroups++] = xstrndup(digits, n);
}

/* Parse the version at the start of s; returns its length, 0 when s does not start with a digit. */
static size_t parse_groups(const char *s, struct pgb_version *v)
{
	size_t i = 0;
	memset(v, 0, sizeof(*v));
	if (!isdigit((unsigned char)s[0]))
		return 0;
	for (;;) {
		size_t start = i;
		while (isdigit((unsigned char)s[i]))
			i++;
		add_group(v, s + start, i - start);
		if ((s[i] == '_' || s[i] == '.') && isdigit((unsigned char)s[i + 1]))
			i++;
		else
			break;
	}
	v->text = xstrndup(s, i);
	return i;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int bad_name(struct pgb_error *err, const char *filename, const char *why)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "invalid migration file name \"%s\": %s", filename, why);
	pgb_error_hint(err, "Name files like \"0001_create_users.sql\": the version, \"_\", then a name "
			    "that does not start with a digit.");
	return -1;
}

int version_parse_filename(const char *filename, struct pgb_version *v, char **name, struct pgb_error *err)
{
	*name = NULL;
	memset(v, 0, sizeof(*v));
	if (!ends_with(filename, ".sql")) {
		if (ends_with_ci(filename, ".sql"))
			return bad_name(err, filename, "the extension must be \".sql\" in lower case");
		return 0;
	}
	if (ends_with(filename, ".down.sql") || ends_with(filename, ".up.sql")) {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid migration file name \"%s\": separate up and down files are not supported",
			 filename);
		pgb_error_hint(err, "Keep one file per version and put the down part after a line \"-- pgboot:down\".");
		return -1;
	}
	size_t vlen = parse_groups(filename, v);
	if (vlen == 0)
		return bad_name(err, filename, "it does not start with a version");
	size_t stem = strlen(filename) - 4;
	const char *rest = filename + vlen;
	size_t restlen = stem - vlen;
	if (restlen == 0) {
		*name = xstrdup("");
		return 1;
	}
	if (rest[0] != '_' && rest[0] != '-' && rest[0] != '.') {
		version_free(v);
		return bad_name(err, filename, "the version must be followed by \"_\", \"-\" or \".\"");
	}
	if (restlen == 1) {
		version_free(v);
		return bad_name(err, filename, "the name after the version is empty");
	}
	if (isdigit((unsigned char)rest[1])) {
		version_free(v);
		return bad_name(err, filename, "the name must not start with a digit");
	}
	for (size_t i = 1; i < restlen; i++) {
		unsigned char c = (unsigned char)rest[i];
		if (c < 0x20 || c == 0x7f) {
			version_free(v);
			return bad_name(err, filename, "the name contains a control character");
		}
	}
	*name = xstrndup(rest + 1, restlen - 1);
	return 1;
}

int version_parse_text(const char *text, struct pgb_version *v)
{
	size_t n = parse_groups(text, v);
	if (n == 0 || text[n] != '\0') {
		version_free(v);
		return -1;
	}
	return 0;
}

static int group_compare(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

int version_compare(const struct pgb_version *a, const struct pgb_version *b)
{
	size_t n = a->ngroups < b->ngroups ? a->ngroups : b->ngroups;
	for (size_t i = 0; i < n; i++) {
		int c = group_compare(a->groups[i], b->groups[i]);
		if (c)
			return c;
	}
	if (a->ngroups == b->ngroups)
		return 0;
	return a->ngroups < b->ngroups ? -1 : 1;
}

void version_free(struct pgb_version *v)
{
	for (size_t i = 0; i < v->ngroups; i++)
		free(v->groups[i]);
	free(v->groups);
	free(v->text);
	memset(v, 0, sizeof(*v));
}
