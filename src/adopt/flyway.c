/*
 * flyway.c: Flyway's history (flyway_schema_history; before Flyway 5
 * schema_version), in the schema the search_path finds first, as Flyway's
 * defaultSchema is the connection's current schema.
 *
 * Read from Flyway's source (flyway-core, flyway-database-postgresql):
 * - the applied set, in installed_rank order: a versioned row with success
 *   counts; a later UNDO_SQL/UNDO_JDBC/UNDO_SCRIPT row (Flyway Teams'
 *   undo) or DELETE row (repair of a missing migration) for the same
 *   version takes it out again;
 * - a success = false row is a failed migration Flyway itself refuses to
 *   go past until repair: unclean;
 * - a BASELINE row (description "<< Flyway Baseline >>", checksum NULL) at
 *   version V stands for every file up to V (upto);
 * - the SCHEMA row (version 0, "<< Flyway Schema Creation >>") records
 *   that Flyway created the schemas: no migration;
 * - repeatable rows (R__, version NULL) are not migrations in pgboot's
 *   history: they are left out (Flyway re-applies them when they change,
 *   pgboot's seeds do that, see the Flyway layout);
 * - checksum: resolver/ChecksumCalculator.java, a CRC-32 of the file's
 *   lines without their line breaks (flyway.h), over the raw text:
 *   placeholders are not replaced first;
 * - lock key (PostgreSQLAdvisoryLockTemplate.java, PostgreSQLConnection.java):
 *   0x466C79776179 ("Flyway") + table.toString().hashCode(), where
 *   toString is Database.quote(schema, table): "\"public\".\"flyway_schema_history\"".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyway.h"
#include "foreign_hash.h"
#include "history_reader.h"
#include "reader_util.h"
#include "xmem.h"

/* flyway-core's createMetaDataTable.sql for PostgreSQL (the types as format_type names them) */
#define COLUMNS                                                                                                 \
	"installed_rank:integer,version:character varying,description:character varying,"                      \
	"type:character varying,script:character varying,checksum:integer,installed_on:timestamp without time zone," \
	"success:boolean"

static int flyway_probe(struct db *db, char **where, struct pgb_error *err)
{
	int rc = reader_probe(db, "flyway_schema_history", COLUMNS, where, err);
	if (rc == 0)
		rc = reader_probe(db, "schema_version", COLUMNS, where, err);
	return rc;
}

static int is_undo(const char *type)
{
	return strncmp(type, "UNDO_", 5) == 0 || strcmp(type, "DELETE") == 0;
}

/* the applied row of version v, or -1 */
static long find_version(const struct reader_rows *rows, const char *v)
{
	for (size_t i = 0; i < rows->n; i++)
		if (!rows->v[i].unclean && strcmp(rows->v[i].id, v) == 0)
			return (long)i;
	return -1;
}

static int flyway_read(struct db *db, const char *where, struct foreign_row **out, size_t *n, struct pgb_error *err)
{
	char *name = reader_sql_name(db, where, err);
	if (!name)
		return -1;
	char *sql = xasprintf("SELECT version, checksum::pg_catalog.text, " READER_UTC("installed_on::pg_catalog.timestamptz")
			      ", type, success, script FROM %s WHERE version IS NOT NULL ORDER BY installed_rank",
			      name);
	struct db_result r;
	int rc = db_query(db, sql, 0, NULL, &r, err);
	free(sql);
	free(name);
	if (rc)
		return -1;
	struct reader_rows rows = {0};
	for (int i = 0; i < r.nrows; i++) {
		const char *version = db_cell(&r, i, 0), *type = db_cell(&r, i, 3);
		if (strcmp(db_cell(&r, i, 4), "t") != 0) {
			char *why = xasprintf("success = false (%s row of \"%s\")", type, db_cell(&r, i, 5));
			reader_add(&rows, version, NULL, db_cell(&r, i, 2), why);
			free(why);
			continue;
		}
		if (strcmp(type, "SCHEMA") == 0)
			continue;
		long prev = find_version(&rows, version);
		if (prev >= 0)
			reader_remove(&rows, (size_t)prev);
		if (is_undo(type))
			continue;
		struct foreign_row *row = reader_add(&rows, version, db_cell(&r, i, 1), db_cell(&r, i, 2), NULL);
		row->upto = strcmp(type, "BASELINE") == 0;
	}
	db_result_free(&r);
	return reader_done(&rows, out, n);
}

/* the versions compare equal as Flyway compares them ("1.0" is "1", "1.01" is "1.1"), or as pgboot does */
static int flyway_matches(const struct foreign_row *row, const struct migfile *mf)
{
	const char *mine = mf->tool_id ? mf->tool_id : mf->version.text;
	return flyway_version_compare(row->id, mine) == 0 || reader_version_matches(row->id, mf);
}

static int flyway_same_content(const struct foreign_row *row, const struct migfile *mf)
{
	if (!row->hash)
		return -1;
	char mine[16];
	snprintf(mine, sizeof(mine), "%d", (int)flyway_checksum(mf->content, mf->up_len));
	return strcmp(mine, row->hash) == 0;
}

static char *java_quote(const char *ident)
{
	size_t n = strlen(ident), extra = 0;
	for (size_t i = 0; i < n; i++)
		extra += ident[i] == '"';
	char *out = xmalloc(n + extra + 3), *o = out;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		*o++ = ident[i];
		if (ident[i] == '"')
			*o++ = '"';
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static int flyway_lock_key(struct db *db, const char *where, long long *key, struct pgb_error *err)
{
	(void)db;
	(void)err;
	char *schema, *table;
	reader_split_where(where, &schema, &table);
	char *qs = java_quote(schema), *qt = java_quote(table);
	char *name = xasprintf("%s.%s", qs, qt);
	*key = 0x466C79776179LL + java_string_hash(name);
	free(name);
	free(qs);
	free(qt);
	free(schema);
	free(table);
	return 1;
}

const struct history_reader reader_flyway = {
	.name = "flyway",
	.table = "flyway_schema_history",
	.probe = flyway_probe,
	.read = flyway_read,
	.matches = flyway_matches,
	.same_content = flyway_same_content,
	.lock_key = flyway_lock_key,
};
