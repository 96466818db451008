/*
 * diesel.c: diesel's history, __diesel_schema_migrations (version
 * varchar(50) PRIMARY KEY, run_on timestamp DEFAULT CURRENT_TIMESTAMP), as
 * diesel_migrations creates it (migration_harness, found as the search_path
 * finds it). A row is an applied migration; diesel keeps no hash and
 * takes no advisory lock. Its version is the migration directory's name up
 * to the first '_' with every '-' removed ("2022-10-23-135826_x" is
 * "20221023135826"; diesel's own "00000000000000_diesel_initial_setup" is
 * "00000000000000").
 */
#include <stdlib.h>
#include <string.h>

#include "history_reader.h"
#include "reader_util.h"
#include "xmem.h"

static int diesel_probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe(db, "__diesel_schema_migrations", "version:character varying,run_on:timestamp without time zone",
			    where, err);
}

static int diesel_read(struct db *db, const char *where, struct foreign_row **out, size_t *n, struct pgb_error *err)
{
	return reader_select(db, where,
			     "SELECT version, NULL, " READER_UTC("run_on::pg_catalog.timestamptz") ", NULL FROM %s "
			     "ORDER BY version",
			     out, n, err);
}

/* s without '-' and '_' (diesel drops the dashes; pgboot's version text may keep groups apart with '_') */
static char *digits_only(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++)
		if (*s != '-' && *s != '_')
			*o++ = *s;
	*o = '\0';
	return out;
}

static int diesel_matches(const struct foreign_row *row, const struct migfile *mf)
{
	char *mine = digits_only(mf->tool_id ? mf->tool_id : mf->version.text);
	int same = strcmp(mine, row->id) == 0;
	free(mine);
	return same;
}

const struct history_reader reader_diesel = {
	.name = "diesel",
	.table = "__diesel_schema_migrations",
	.probe = diesel_probe,
	.read = diesel_read,
	.matches = diesel_matches,
};
