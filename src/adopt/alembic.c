/*
 * alembic.c: Alembic's alembic_version (version_num varchar(32) NOT NULL,
 * CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num); alembic's
 * runtime/migration.py and its offline --sql output). It keeps no history,
 * only the head revision(s) the database is at: one row per head, none
 * before the first upgrade. A revision names a Python file, never a
 * local SQL file, so each head needs --map REVISION=VERSION (adopt.h) to say
 * which local version it stands for: that file and every older one are
 * adopted (upto). Two heads (a branched history, merged nowhere) have no
 * single local version to stand for: each is unclean. Alembic takes no
 * advisory lock.
 */
#include <string.h>

#include "history_reader.h"
#include "reader_util.h"

static int alembic_probe(struct db *db, char **where, struct pgb_error *err)
{
	return reader_probe(db, "alembic_version", "version_num:character varying", where, err);
}

static int alembic_read(struct db *db, const char *where, struct foreign_row **out, size_t *n, struct pgb_error *err)
{
	if (reader_select(db, where,
			  "SELECT version_num, NULL, NULL, CASE WHEN pg_catalog.count(*) OVER () OPERATOR(pg_catalog.>) 1 "
			  "THEN 'one of several heads (a branched Alembic history): merge them with alembic merge and "
			  "upgrade first' END FROM %s ORDER BY version_num",
			  out, n, err))
		return -1;
	for (size_t i = 0; i < *n; i++)
		(*out)[i].upto = 1;
	return 0;
}

/* never asked (needs_map): a revision names no file */
static int alembic_matches(const struct foreign_row *row, const struct migfile *mf)
{
	(void)row;
	(void)mf;
	return 0;
}

const struct history_reader reader_alembic = {
	.name = "alembic",
	.table = "alembic_version",
	.needs_map = 1,
	.probe = alembic_probe,
	.read = alembic_read,
	.matches = alembic_matches,
};
