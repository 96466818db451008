/*
 * new.c: pgboot new NAME (cmd_new, cmd.h): read the migrations directory as
 * its layout is chosen (source.h), then let the layout's create member (or
 * pgboot's own, layout_create_default) make the next file; its path goes to
 * standard output. No database. A directory read as pgboot's own layout by
 * --layout auto whose files speak another tool's markers (dbmate's,
 * goose's, sql-migrate's: the layouts read them all) gets that tool's file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "layout.h"
#include "log.h"
#include "source.h"

#define NAME_MAX_BYTES 200

/* lower-case words joined by '_': [a-z][a-z0-9]*(_[a-z0-9]+)* */
static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_BYTES || !(s[0] >= 'a' && s[0] <= 'z') || s[n - 1] == '_')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!word && !(c == '_' && s[i + 1] != '_'))
			return 0;
	}
	return 1;
}

static int check_name(const char *name, struct pgb_error *err)
{
	if (name_ok(name))
		return 0;
	pgb_fail(err, PGB_EXIT_CONFIG, "invalid migration name \"%s\"", name);
	pgb_error_detail(err, "A name is lower-case words joined by \"_\": it starts with a letter, goes on with "
			      "letters a-z, digits and single underscores, and has at most %d bytes.", NAME_MAX_BYTES);
	pgb_error_hint(err, "For example: pgboot new add_users_email.");
	return -1;
}

/* The layout whose markers the newest file that has any speaks, or NULL (files without markers). */
static const struct layout *dialect_of(const struct migset *set)
{
	const struct migfile **order = calloc(set->n ? set->n : 1, sizeof(*order));
	if (!order)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		order[i] = &set->files[i];
	const struct layout *found = NULL;
	for (size_t left = set->n; left > 0 && !found; left--) {
		size_t best = 0; /* the newest of those left, moved to the end */
		for (size_t i = 1; i < left; i++)
			if (version_compare(&order[i]->version, &order[best]->version) > 0)
				best = i;
		const struct migfile *f = order[best];
		order[best] = order[left - 1];
		found = layout_of_markers(f->content, f->len);
	}
	free(order);
	return found;
}

/* The member whose create makes the file: the chosen layout, or under auto the markers' tool. */
static const struct layout *maker(const struct pgb_config *cfg, const struct source_choice *c,
				  const struct migset *set)
{
	const struct layout *l = c->layout ? c->layout : layout_files();
	if (l != layout_files() || strcmp(cfg->layout, "auto") != 0)
		return l;
	const struct layout *d = dialect_of(set);
	return d ? d : l;
}

int cmd_new(struct pgb_config *cfg, struct pgb_error *err)
{
	if (check_name(cfg->new_name, err))
		return -1;
	struct migset set = {0};
	struct source_choice choice = {0};
	if (source_load_migrations(cfg->migrations_dir, cfg->layout, 1, &set, &choice, err)) {
		free(choice.why);
		return -1;
	}
	const struct layout *l = maker(cfg, &choice, &set);
	char *path = NULL;
	int rc;
	if (l->create)
		rc = l->create(cfg->migrations_dir, &set, cfg->new_name, &path, err);
	else if (!l->scan)
		rc = layout_create_default(cfg->migrations_dir, &set, cfg->new_name, &path, err);
	else { /* its files are not pgboot's: pgboot's own file would not be read back as its tool reads it */
		rc = pgb_fail(err, PGB_EXIT_CONFIG, "pgboot new cannot create a migration in %s's layout", l->name);
		pgb_error_hint(err, "Create the file as %s names it; pgboot reads it as that tool does.", l->name);
	}
	if (rc == 0) {
		const char *why = l == choice.layout ? choice.why : "the markers of its files";
		log_event(LOG_INFO, "created", LOG_FIELDS(LF_STR("file", path), LF_STR("layout", l->name)),
			  "created \"%s\" (%s's layout%s%s)", path, l->name, why ? ": " : "", why ? why : "");
		printf("%s\n", path);
		fflush(stdout);
	}
	free(path);
	free(choice.why);
	migset_free(&set);
	return rc;
}
