/*
 * repeatable.c: the table of a layout's repeatable migrations, beside the
 * history (see repeatable.h): its name, reading it, creating it, and the
 * upsert each repeatable sends in its own transaction.
 */
#include "repeatable.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sqlstate.h"
#include "xmem.h"

/* the quoted "schema"."<table>_repeatables", or NULL with err (70) */
static char *table_sql(const struct history *h, struct db *db, struct pgb_error *err)
{
	char *name = xasprintf("%s_repeatables", h->table);
	char *qs = db_quote_ident(db, h->schema, err);
	char *qt = qs ? db_quote_ident(db, name, err) : NULL;
	char *sql = qt ? xasprintf("%s.%s", qs, qt) : NULL;
	free(name);
	free(qs);
	free(qt);
	return sql;
}

static char *table_display(const struct history *h)
{
	return xasprintf("%s.%s_repeatables", h->schema, h->table);
}

static void classify(struct repeatables *rs, const struct db_result *r)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct rep_item *it = &rs->items[i];
		it->state = REP_PENDING;
		for (int k = 0; r && k < r->nrows; k++) {
			if (strcmp(db_cell(r, k, 0) ? db_cell(r, k, 0) : "", it->file->name) != 0)
				continue;
			const char *sum = db_cell(r, k, 1);
			it->state = sum && strcmp(sum, it->file->checksum) == 0 ? REP_APPLIED : REP_CHANGED;
			it->applied_at = xstrdup(db_cell(r, k, 2) ? db_cell(r, k, 2) : "");
			it->duration_ms = db_cell(r, k, 3) ? atoll(db_cell(r, k, 3)) : 0;
		}
	}
}

int repeatables_read(struct repeatables *rs, const struct migset *set, const struct history *h, struct db *db,
		     struct pgb_error *err)
{
	repeatables_free(rs);
	if (set->nrepeatables == 0)
		return 0;
	rs->items = xcalloc(set->nrepeatables, sizeof(*rs->items));
	rs->n = set->nrepeatables;
	for (size_t i = 0; i < rs->n; i++)
		rs->items[i].file = &set->repeatables[i];
	char *t = table_sql(h, db, err);
	if (!t)
		return -1;
	struct db_result found = {0}, rows = {0};
	const char *params[] = {t};
	int rc = db_query(db, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, params, &found, err);
	rs->exists = rc == 0 && db_cell(&found, 0, 0) && strcmp(db_cell(&found, 0, 0), "t") == 0;
	char *sql = rs->exists ? xasprintf("SELECT name, checksum, pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', "
					   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), duration_ms FROM %s",
					   t)
			       : NULL;
	if (sql)
		rc = db_query(db, sql, 0, NULL, &rows, err);
	if (rc == 0)
		classify(rs, rs->exists ? &rows : NULL);
	else {
		char *display = table_display(h);
		pgb_error_detail(err, "While reading the repeatable migrations' table \"%s\".", display);
		free(display);
	}
	free(sql);
	free(t);
	db_result_free(&found);
	db_result_free(&rows);
	return rc;
}

void repeatables_free(struct repeatables *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->items[i].applied_at);
	free(rs->items);
	memset(rs, 0, sizeof(*rs));
}

size_t repeatables_pending(const struct repeatables *rs)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += rs->items[i].state != REP_APPLIED;
	return n;
}

int repeatables_create(const struct history *h, struct db *db, int in_transaction, struct pgb_error *err)
{
	char *t = table_sql(h, db, err);
	if (!t)
		return -1;
	char *sql = xasprintf("%sSET LOCAL client_min_messages = warning; "
			      "CREATE TABLE IF NOT EXISTS %s ("
			      "name text PRIMARY KEY, "
			      "checksum text NOT NULL, "
			      "applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(), "
			      "duration_ms integer NOT NULL DEFAULT 0, "
			      "applied_by text NOT NULL DEFAULT '')%s",
			      in_transaction ? "" : "BEGIN; ", t, in_transaction ? "" : "; COMMIT");
	free(t);
	int rc = db_exec(db, sql, NULL, NULL, err);
	free(sql);
	char *display = table_display(h);
	if (rc) {
		if (!in_transaction)
			db_rollback_if_needed(db);
		if (sqlstate_classify(err->sqlstate) == SQLSTATE_PERMISSION)
			err->code = PGB_EXIT_AUTH;
		pgb_error_detail(err, "While creating the repeatable migrations' table \"%s\".", display);
	}
	free(display);
	return rc;
}

char *repeatable_record_sql(const struct history *h, struct db *db, const struct migfile *mf, long long ms,
			    struct pgb_error *err)
{
	const char *by = history_applied_by();
	char *t = table_sql(h, db, err);
	char *name = t ? db_quote_literal(db, mf->name, strlen(mf->name), err) : NULL;
	char *qby = name ? db_quote_literal(db, by, strlen(by), err) : NULL;
	char *dur = ms < 0 ? xasprintf("(extract(epoch FROM pg_catalog.clock_timestamp() - %s) * 1000)::integer",
				       HISTORY_START_SQL)
			   : xasprintf("%lld", ms > 2147483647LL ? 2147483647LL : ms);
	char *sql = qby ? xasprintf("INSERT INTO %s (name, checksum, applied_at, duration_ms, applied_by) "
				    "VALUES (%s, '%s', %s, %s, %s) "
				    "ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, "
				    "applied_at = EXCLUDED.applied_at, duration_ms = EXCLUDED.duration_ms, "
				    "applied_by = EXCLUDED.applied_by",
				    t, name, mf->checksum, ms < 0 ? HISTORY_START_SQL : "pg_catalog.now()", dur, qby)
			: NULL;
	free(t);
	free(name);
	free(qby);
	free(dur);
	return sql;
}

char *repeatables_reset_sql(const struct history *h, struct db *db, int exists, int drop)
{
	if (!exists && !drop)
		return xstrdup("");
	struct pgb_error ignored;
	pgb_error_init(&ignored);
	char *t = table_sql(h, db, &ignored);
	pgb_error_free(&ignored);
	char *sql = !t ? xstrdup("") : drop ? xasprintf(";\nDROP TABLE IF EXISTS %s", t) : xasprintf(";\nDELETE FROM %s", t);
	free(t);
	return sql;
}
