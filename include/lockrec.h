/*
 * lockrec.h: the lock record of a transactional migration or seed: the
 * relation locks its transaction held, the strongest mode per table, as
 * the history's locks column stores it and the logs and status show it.
 * Pure: the SQL expression that computes it is text; no I/O.
 *
 * The stored text lists "MODE schema.table" items, strongest first (then
 * by name), separated by ", ": "ACCESS EXCLUSIVE public.users, ROW
 * EXCLUSIVE public.audit". Names are always schema-qualified, each part as
 * quote_ident writes it. "" is a record of no lock; NULL (SQL null) is no
 * record (a no-transaction or stepwise file, a row an older pgboot wrote).
 */
#ifndef PGB_LOCKREC_H
#define PGB_LOCKREC_H

#include <stddef.h>

#include "strbuf.h"

/* the name the history INSERT's RETURNING gives the recorded text */
#define LOCKREC_RETURNING "pgboot_locks"

/*
 * A scalar SQL expression (text, never null) over pg_locks for the
 * backend's own granted relation locks in its transaction so far:
 * an index's lock is folded onto its table; left out are the history table
 * (history_regclass: its name as a SQL literal, e.g. '"public"."h"'),
 * catalogs (pg_catalog, pg_toast, information_schema), temporary tables,
 * and tables and indexes created in this very transaction (nobody else
 * could see them), told by the xmin of the table's system-column rows in
 * pg_attribute (never updated by ALTER TABLE), of a view's row type in
 * pg_type (a view has no system columns; renaming it updates that row, so
 * a view renamed in the transaction is left out too) or of the index's
 * pg_index row being the transaction's own (top level or a savepoint's).
 * The caller frees.
 */
char *lockrec_sql(const char *history_regclass);

struct lockrec_item {
	char *mode;  /* "ACCESS EXCLUSIVE" */
	char *table; /* "public.users", as stored */
};

/*
 * Split a stored record into items. Returns the count (0 for ""), *items
 * the caller frees with lockrec_free; -1 for a text not of that form
 * (*items NULL).
 */
int lockrec_parse(const char *text, struct lockrec_item **items);
void lockrec_free(struct lockrec_item *items, int n);
/* Append the record as JSON: [{"table":"public.users","mode":"ACCESS EXCLUSIVE"}, ...]; null for NULL; an
 * unparsable text as a JSON string. */
void lockrec_json(struct strbuf *sb, const char *text);

#endif
