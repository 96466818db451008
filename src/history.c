/* history.c: the history table (see history.h). */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockrec.h"
#include "log.h"
#include "sqlstate.h"
#include "strbuf.h"
#include "version_info.h"
#include "xmem.h"

char *history_path_sql(struct db *db, const char *table, struct pgb_error *err)
{
	if (!table)
		return NULL;
	char *ident = db_quote_ident(db, table, err);
	char *lit = ident ? db_quote_literal(db, ident, strlen(ident), err) : NULL;
	char *name = lit ? db_quote_literal(db, table, strlen(table), err) : NULL;
	free(ident);
	if (!name) {
		free(lit);
		return NULL;
	}
	/* to_regclass and pg_identify_object are syscache lookups, the count one index scan of pg_class by
	 * name (pg_class_relname_nsp_index); pg_identify_object's type "table" is an ordinary or a
	 * partitioned table, never a view, sequence or foreign table */
	char *obj = xasprintf("pg_catalog.pg_identify_object('pg_catalog.pg_class'::pg_catalog.regclass, "
			      "pg_catalog.to_regclass(%s), 0)", lit);
	char *sql = xasprintf("CASE WHEN (%s).type OPERATOR(pg_catalog.=) 'table' AND (SELECT pg_catalog.count(*) "
			      "FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.=) %s::pg_catalog.name "
			      "AND c.relkind IN ('r', 'p')) OPERATOR(pg_catalog.=) 1 THEN (%s).schema END",
			      obj, name, obj);
	free(obj);
	free(lit);
	free(name);
	return sql;
}

/* An identifier as the server quotes it ("My S", or plain) back to the name. */
static char *unquote_ident(const char *q)
{
	size_t n = strlen(q);
	if (n < 2 || q[0] != '"' || q[n - 1] != '"')
		return xstrdup(q);
	char *out = xmalloc(n), *o = out;
	for (size_t i = 1; i + 1 < n; i++) {
		*o++ = q[i];
		if (q[i] == '"' && q[i + 1] == '"')
			i++;
	}
	*o = '\0';
	return out;
}

/* Point h at schema.table; 0, or -1 (70) when libpq cannot quote the name. */
static int set_schema(struct history *h, struct db *db, const char *schema, struct pgb_error *err)
{
	char *copy = xstrdup(schema);
	free(h->schema);
	free(h->display);
	free(h->qualified);
	h->schema = copy;
	h->display = xasprintf("%s.%s", h->schema, h->table);
	h->qualified = NULL;
	char *qs = db_quote_ident(db, h->schema, err);
	char *qt = qs ? db_quote_ident(db, h->table, err) : NULL;
	if (qt)
		h->qualified = xasprintf("%s.%s", qs, qt);
	free(qs);
	free(qt);
	return h->qualified ? 0 : -1;
}

/* Where a table not found is created: the current schema, or public when search_path names none. */
static const char *creation_schema(const char *current_schema, const char **why)
{
	if (current_schema && *current_schema) {
		*why = " in the current schema (no schema the role may use has one)";
		return current_schema;
	}
	*why = " in public (no schema the role may use has one, and search_path names no existing schema)";
	return "public";
}

int history_init(struct history *h, struct db *db, const struct history_name *name, int read_applied_at,
		 const char *current_schema, const char *path_schema, struct pgb_error *err)
{
	memset(h, 0, sizeof(*h));
	h->table = xstrdup(name->table);
	h->setting = xstrdup(name->setting ? name->setting : "--history-table");
	h->read_applied_at = read_applied_at;
	h->placement = "";
	h->resolved = name->schema != NULL;
	if (name->schema)
		return set_schema(h, db, name->schema, err);
	if (path_schema) {
		char *schema = unquote_ident(path_schema);
		int rc = set_schema(h, db, schema, err);
		free(schema);
		return rc;
	}
	return set_schema(h, db, creation_schema(current_schema, &h->placement), err);
}

static int ambiguous(const struct history *h, const char *count, const char *tables, struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "history table \"%s\" exists in %s schemas: %s", h->table, count, tables);
	pgb_error_detail(err, "%s names the table without a schema, and the role may use every one of these.",
			 h->setting);
	pgb_error_hint(err, "Name the one that holds this project's history with --history-table SCHEMA.NAME "
			    "(or PGBOOT_HISTORY_TABLE).");
	return -1;
}

int history_resolve(struct history *h, struct db *db, const char *current_schema, struct pgb_error *err)
{
	char *name = db_quote_literal(db, h->table, strlen(h->table), err);
	if (!name)
		return -1;
	/* pg_class is readable by every role; a schema the role may not use does not count, nor another
	 * session's temporary schema (or its own: a temporary table is no history) */
	char *sql = xasprintf("SELECT pg_catalog.count(*), pg_catalog.min(n.nspname::pg_catalog.text), "
			      "pg_catalog.string_agg(pg_catalog.concat_ws('.', n.nspname, c.relname), ', ' ORDER BY n.nspname) "
			      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
			      "WHERE c.relname = %s AND c.relkind IN ('r', 'p') "
			      "AND pg_catalog.has_schema_privilege(n.oid, 'USAGE') "
			      "AND NOT pg_catalog.pg_is_other_temp_schema(n.oid) "
			      "AND n.oid <> pg_catalog.pg_my_temp_schema()",
			      name);
	free(name);
	struct db_result *res = NULL;
	int n = 0;
	int rc = db_exec(db, sql, &res, &n, err);
	free(sql);
	if (rc) {
		db_results_free(res, n);
		return -1;
	}
	const struct db_result *r = &res[n - 1];
	const char *count = db_cell(r, 0, 0) ? db_cell(r, 0, 0) : "0";
	const char *schema = strcmp(count, "1") == 0 ? db_cell(r, 0, 1) : NULL;
	const char *why = "";
	if (strcmp(count, "0") != 0 && strcmp(count, "1") != 0)
		rc = ambiguous(h, count, db_cell(r, 0, 2) ? db_cell(r, 0, 2) : "", err);
	else if (!schema)
		schema = creation_schema(current_schema, &why);
	int moved = rc == 0 && strcmp(schema, h->schema) != 0;
	if (moved) {
		log_event(LOG_DEBUG, "history_found", LOG_FIELDS(LF_STR("schema", schema)),
			  "found history table \"%s.%s\" outside search_path (current schema \"%s\")", schema, h->table,
			  current_schema ? current_schema : "");
		rc = set_schema(h, db, schema, err);
	}
	if (rc == 0) {
		h->placement = why;
		h->resolved = 1;
	}
	db_results_free(res, n);
	return rc ? -1 : moved;
}

static void free_rows(struct history *h)
{
	for (size_t i = 0; i < h->n; i++)
		history_row_free(&h->rows[i]);
	free(h->rows);
	h->rows = NULL;
	h->n = 0;
}

void history_free(struct history *h)
{
	free_rows(h);
	free(h->schema);
	free(h->table);
	free(h->setting);
	free(h->qualified);
	free(h->display);
	memset(h, 0, sizeof(*h));
}

static int fill_row(struct history_row *row, const struct db_result *r, int i, const struct history *h,
		    struct pgb_error *err)
{
	const char *kind = db_cell(r, i, 0), *ver = db_cell(r, i, 1);
	if (history_kind_parse(kind, &row->kind)) {
		pgb_fail(err, PGB_EXIT_DRIFT, "history table \"%s\" has a row of unknown kind \"%s\"", h->display,
			 kind ? kind : "(null)");
		pgb_error_detail(err, "Version %s. pgboot writes only \"migration\" and \"seed\" rows.", ver ? ver : "(null)");
		return -1;
	}
	if (!ver || version_parse_text(ver, &row->version)) {
		pgb_fail(err, PGB_EXIT_DRIFT, "history table \"%s\" has a malformed version \"%s\"", h->display,
			 ver ? ver : "(null)");
		return -1;
	}
	row->name = xstrdup(db_cell(r, i, 2) ? db_cell(r, i, 2) : "");
	row->checksum = xstrdup(db_cell(r, i, 3) ? db_cell(r, i, 3) : "");
	row->applied_at = xstrdup(h->read_applied_at && db_cell(r, i, 4) ? db_cell(r, i, 4) : "");
	row->duration_ms = db_cell(r, i, 5) ? atoll(db_cell(r, i, 5)) : 0;
	row->applied_by = xstrdup(db_cell(r, i, 6) ? db_cell(r, i, 6) : "");
	row->progress = db_cell(r, i, 7) ? atoi(db_cell(r, i, 7)) : -1;
	if (row->progress <= -2) { /* a down part's progress (history.h) */
		row->rolling_back = 1;
		row->down_done = -2 - row->progress;
		row->progress = -1;
	}
	row->has_down = db_cell(r, i, 8) && strcmp(db_cell(r, i, 8), "t") == 0;
	row->down_sql = h->read_down && db_cell(r, i, 9) ? xstrdup(db_cell(r, i, 9)) : NULL;
	row->locks = r->ncols > 10 && db_cell(r, i, 10) ? xstrdup(db_cell(r, i, 10)) : NULL;
	return 0;
}

static int shape_error(const struct history *h, struct pgb_error *server, struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "table \"%s\" exists but is not a pgboot history table", h->display);
	pgb_error_detail(err, "Reading it failed: %s", server->message ? server->message : "");
	pgb_error_free(server);
	pgb_error_hint(err, "Choose another table with --history-table, or rename the existing one.");
	return -1;
}

/*
 * The read was refused (42501): name the grants it needs, for the role the
 * server checked (current_user: options=-c role=... may differ from the
 * login), on the schema and table read. Only a failure pays the question.
 */
static void grant_hint(const struct history *h, struct db *db, struct pgb_error *e)
{
	struct db_result *res = NULL;
	int n = 0;
	struct pgb_error ignored;
	pgb_error_init(&ignored);
	const char *role = db_parameter(db, "session_authorization");
	if (db_alive(db) && !db_in_transaction(db) && db_exec(db, "SELECT current_user", &res, &n, &ignored) == 0 &&
	    db_cell(&res[0], 0, 0))
		role = db_cell(&res[0], 0, 0);
	char *qrole = role ? db_quote_ident(db, role, &ignored) : NULL;
	char *qschema = db_quote_ident(db, h->schema, &ignored);
	if (qrole && qschema && h->qualified)
		pgb_error_hint(e, "The role %s may not read the history table %s: as their owner, run GRANT USAGE ON "
				  "SCHEMA %s TO %s; GRANT SELECT ON %s TO %s. A role that only runs --skip-migrate needs "
				  "no more: never INSERT, UPDATE or DELETE on the history.",
			       qrole, h->display, qschema, qrole, h->qualified, qrole);
	free(qrole);
	free(qschema);
	db_results_free(res, n);
	pgb_error_free(&ignored);
}

/* The failure of the history's own SELECT: a missing table is no error (0), other shapes are. */
static int read_failed(struct history *h, struct db *db, struct pgb_error *e, struct pgb_error *err)
{
	enum sqlstate_class c = sqlstate_classify(e->sqlstate);
	if (c == SQLSTATE_UNDEFINED_TABLE) {
		pgb_error_free(e);
		h->exists = 0;
		return 0;
	}
	if (c == SQLSTATE_SYNTAX_OR_ACCESS)
		return shape_error(h, e, err);
	if (c == SQLSTATE_PERMISSION) {
		e->code = PGB_EXIT_AUTH;
		grant_hint(h, db, e);
	}
	pgb_error_move(err, e);
	return -1;
}

#define TIMESTAMPOID 1114
#define TIMESTAMPTZOID 1184

static int fill_rows(struct history *h, const struct db_result *r, struct pgb_error *err)
{
	/* to_char(... AT TIME ZONE) checks the type on the server; the raw column is checked here */
	if (!h->read_applied_at && r->ncols > 4 && r->coltypes[4] != TIMESTAMPTZOID && r->coltypes[4] != TIMESTAMPOID) {
		pgb_fail(err, PGB_EXIT_CONFIG, "table \"%s\" exists but is not a pgboot history table", h->display);
		pgb_error_detail(err, "Its column \"applied_at\" is not a timestamp.");
		pgb_error_hint(err, "Choose another table with --history-table, or rename the existing one.");
		return -1;
	}
	h->exists = 1;
	h->rows = xcalloc((size_t)r->nrows + 1, sizeof(struct history_row));
	for (int i = 0; i < r->nrows; i++) {
		if (fill_row(&h->rows[h->n], r, i, h, err))
			return -1;
		h->n++;
	}
	return 0;
}

int history_read(struct history *h, struct db *db, struct history_extra_query *extra, struct pgb_error *err)
{
	free_rows(h);
	/* inside the run's transaction (--lock-mode transaction) a missing table must not abort it */
	int in_tx = db_in_transaction(db);
	if (in_tx)
		extra = NULL;
	/* every column is named either way, so a table of another shape is found out */
	char *sql = xasprintf("SELECT kind, version, name, checksum, %s, duration_ms, applied_by, progress, "
			      "%s, %s%s FROM %s h%s%s",
			      !h->read_applied_at ? "applied_at"
			      : h->read_down ? "pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
					     : "pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
			      /* whether a row can be rolled back: only reports show it, not the start path */
			      h->read_applied_at || h->read_down ? "down_sql IS NOT NULL" : "NULL",
			      h->read_down ? "down_sql" : "NULL",
			      /* the lock record, for reports only: by name from the whole row, so that a table an
			       * older pgboot made (no locks column yet) reads as no record, not as an error */
			      h->read_applied_at ? ", pg_catalog.to_jsonb(h) OPERATOR(pg_catalog.->>) 'locks'" : "",
			      h->qualified, extra ? "; " : "", extra ? extra->sql : "");
	if (in_tx && db_exec(db, "SAVEPOINT pgboot_read", NULL, NULL, err)) {
		free(sql);
		return -1;
	}
	struct db_result *res = NULL;
	int n = 0;
	struct pgb_error e;
	pgb_error_init(&e);
	int rc = db_exec(db, sql, &res, &n, &e);
	free(sql);
	if (in_tx && db_alive(db)) {
		struct pgb_error ignored;
		pgb_error_init(&ignored);
		db_exec(db, rc ? "ROLLBACK TO SAVEPOINT pgboot_read" : "RELEASE SAVEPOINT pgboot_read", NULL, NULL, &ignored);
		pgb_error_free(&ignored);
	}
	if (rc && e.statement_index > 0) {
		/* the extra failed: its owner would have failed the same way on its own */
		pgb_error_move(err, &e);
		rc = -1;
	} else if (rc) {
		rc = read_failed(h, db, &e, err);
	} else {
		rc = fill_rows(h, &res[0], err);
		if (rc == 0 && extra && n > 1) {
			*extra->result = res[1];
			memset(&res[1], 0, sizeof(res[1]));
		}
	}
	db_results_free(res, n);
	return rc;
}

/* The configured schema is not there: a configuration error, not the server's fault. */
static int no_schema(const struct history *h, struct pgb_error *err)
{
	struct pgb_error e;
	pgb_error_init(&e);
	pgb_fail(&e, PGB_EXIT_CONFIG, "schema \"%s\" of the history table \"%s\" does not exist", h->schema, h->display);
	pgb_error_detail(&e, "%s names the history table \"%s\".", h->setting, h->display);
	pgb_error_hint(&e, "Create the schema first, or name an existing schema in %s.", h->setting);
	pgb_error_move(err, &e);
	return -1;
}

/*
 * The tables named like h's in the other schemas the role may use that have every column history_read
 * names (pgboot's history, not someone else's table): each one's schema, as it is and quoted, whether the
 * role may read it; and, for the hint, the name and h's schema quoted, and whether that schema exists.
 */
#define ELSEWHERE_SQL                                                                                            \
	"SELECT n.nspname, pg_catalog.quote_ident(n.nspname), pg_catalog.has_table_privilege(c.oid, 'SELECT'), " \
	"pg_catalog.quote_ident($1), pg_catalog.quote_ident($2), "                                               \
	"EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $2) "                                       \
	"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "                   \
	"WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND n.nspname <> $2 "                                  \
	"AND pg_catalog.has_schema_privilege(n.oid, 'USAGE') "                                                   \
	"AND NOT pg_catalog.pg_is_other_temp_schema(n.oid) AND n.oid <> pg_catalog.pg_my_temp_schema() "         \
	"AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid "               \
	"AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY ('{kind,version,name,checksum,"             \
	"applied_at,duration_ms,applied_by,progress}'::pg_catalog.name[])) = 8 "                                 \
	"ORDER BY n.nspname"

/* 1 when row i's table holds a row, or the role may not read it to tell; else 0, or -1 with err. */
static int holds_rows(struct db *db, const struct db_result *r, int i, struct pgb_error *err)
{
	if (strcmp(db_cell(r, i, 2), "t") != 0)
		return 1;
	char *sql = xasprintf("SELECT EXISTS (SELECT FROM %s.%s)", db_cell(r, i, 1), db_cell(r, i, 3));
	struct db_result res;
	int rc = db_query(db, sql, 0, NULL, &res, err);
	free(sql);
	if (rc)
		return -1;
	rc = db_cell(&res, 0, 0) && strcmp(db_cell(&res, 0, 0), "t") == 0;
	db_result_free(&res);
	return rc;
}

/* The 78 naming h and row i's table, with the SQL that moves that one to h's place. */
static int elsewhere(const struct history *h, const struct db_result *r, int i, struct pgb_error *err)
{
	const char *schema = db_cell(r, i, 0), *from = db_cell(r, i, 1), *table = db_cell(r, i, 3);
	const char *to = db_cell(r, i, 4);
	int create = strcmp(db_cell(r, i, 5), "t") != 0;
	pgb_fail(err, PGB_EXIT_CONFIG, "history table \"%s\" does not exist, but a pgboot history \"%s.%s\" does",
		 h->display, schema, h->table);
	pgb_error_detail(err, "%s names \"%s\": migrating would start an empty history there and run every "
			      "migration again.", h->setting, h->display);
	/* the setting takes plain names only: a schema that needs quotes can only be moved from */
	char *set = strcmp(schema, from) == 0 ? xasprintf(" or set %s to %s.%s.", h->setting, schema, h->table)
					      : xstrdup("");
	pgb_error_hint(err, "Move the history there (as its owner): %s%s%sALTER TABLE %s.%s SET SCHEMA %s;%s "
			    "If it is another project's, name this project's history differently.",
		       create ? "CREATE SCHEMA " : "", create ? to : "", create ? "; " : "", from, table, to, set);
	free(set);
	return -1;
}

/* The down part as stored (migfile_stored_down), as a literal; NULL with err. */
static char *quote_down(struct db *db, const struct migfile *mf, struct pgb_error *err)
{
	size_t n;
	char *down = migfile_stored_down(mf, &n);
	char *lit = db_quote_literal(db, down, n, err);
	free(down);
	return lit;
}

int history_check_elsewhere(const struct history *h, struct db *db, struct pgb_error *err)
{
	const char *params[] = {h->table, h->schema};
	struct db_result r;
	if (db_query(db, ELSEWHERE_SQL, 2, params, &r, err))
		return -1;
	int rc = 0, i = 0;
	while (rc == 0 && i < r.nrows)
		rc = holds_rows(db, &r, i++, err);
	if (rc == 1)
		rc = elsewhere(h, &r, i - 1, err);
	db_result_free(&r);
	return rc;
}

int history_create(struct history *h, struct db *db, int in_transaction, struct pgb_error *err)
{
	char *sql = xasprintf("%sSET LOCAL client_min_messages = warning; "
			      "CREATE TABLE IF NOT EXISTS %s ("
			      "kind text NOT NULL CHECK (kind IN ('migration', 'seed')), "
			      "version text NOT NULL, "
			      "name text NOT NULL, "
			      "checksum text NOT NULL, "
			      "down_sql text, "
			      "applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(), "
			      "duration_ms integer NOT NULL DEFAULT 0, "
			      "applied_by text NOT NULL DEFAULT '', "
			      "progress integer, "
			      "locks text, "
			      "PRIMARY KEY (kind, version))%s",
			      in_transaction ? "" : "BEGIN; ", h->qualified, in_transaction ? "" : "; COMMIT");
	int rc = db_exec(db, sql, NULL, NULL, err);
	free(sql);
	if (rc) {
		if (!in_transaction)
			db_rollback_if_needed(db);
		if (sqlstate_classify(err->sqlstate) == SQLSTATE_UNDEFINED_SCHEMA)
			return no_schema(h, err);
		if (sqlstate_classify(err->sqlstate) == SQLSTATE_PERMISSION)
			err->code = PGB_EXIT_AUTH;
		pgb_error_detail(err, "While creating the history table \"%s\".", h->display);
		return -1;
	}
	/* in the run's transaction (--lock-mode transaction) the table commits with the run, or not at all */
	log_event(LOG_INFO, "history_created", LOG_FIELDS(LF_STR("table", h->display)),
		  "created history table \"%s\"%s%s", h->display, h->placement ? h->placement : "",
		  in_transaction ? " (commits with the run)" : "");
	h->exists = 1;
	/* the table is this one's: every pgboot (older ones too) creates it under the migration lock, after
	 * reading that it is missing */
	h->has_locks = 1;
	return 0;
}

const char *history_applied_by(void)
{
	static char buf[320];
	if (!buf[0]) {
		char host[256] = "";
		if (gethostname(host, sizeof(host) - 1) != 0)
			strcpy(host, "unknown");
		snprintf(buf, sizeof(buf), "pgboot %s on %s", PGBOOT_VERSION, host);
	}
	return buf;
}

/* the quoted SQL literals of a file's row */
struct row_literals {
	char *ver, *name, *by, *down;
};

static void row_literals_free(struct row_literals *l)
{
	free(l->ver);
	free(l->name);
	free(l->by);
	free(l->down);
}

/* Quote the row's literals (applied_by: by); 0, or -1 with err (and nothing to free). */
static int row_literals_by(struct db *db, const struct migfile *mf, const char *by, struct row_literals *l,
			   struct pgb_error *err)
{
	memset(l, 0, sizeof(*l));
	if ((l->ver = db_quote_literal(db, mf->version.text, strlen(mf->version.text), err)) &&
	    (l->name = db_quote_literal(db, mf->name, strlen(mf->name), err)) &&
	    (l->by = db_quote_literal(db, by, strlen(by), err)) &&
	    (l->down = migfile_has_down(mf) ? quote_down(db, mf, err) : xstrdup("NULL")))
		return 0;
	row_literals_free(l);
	return -1;
}

static int row_literals(struct db *db, const struct migfile *mf, struct row_literals *l, struct pgb_error *err)
{
	return row_literals_by(db, mf, history_applied_by(), l, err);
}

const char *history_baselined_by(void)
{
	static char buf[360];
	if (!buf[0])
		snprintf(buf, sizeof(buf), "%s%s", HISTORY_BASELINED_BY, history_applied_by());
	return buf;
}

char *history_baseline_sql(const struct history *h, struct db *db, const struct migfile *const *files, size_t n,
			   struct pgb_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "INSERT INTO %s (kind, version, name, checksum, down_sql, applied_at, duration_ms, applied_by) "
			 "VALUES ", h->qualified);
	for (size_t i = 0; i < n; i++) {
		struct row_literals l;
		if (row_literals_by(db, files[i], history_baselined_by(), &l, err)) {
			strbuf_free(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "%s('migration', %s, %s, '%s', %s, pg_catalog.now(), 0, %s)", i ? ",\n" : "", l.ver,
			    l.name, files[i]->checksum, l.down, l.by);
		row_literals_free(&l);
	}
	return strbuf_detach(&sb);
}

char *history_lockrec_sql(const struct history *h, struct db *db, struct pgb_error *err)
{
	char *lit = db_quote_literal(db, h->qualified, strlen(h->qualified), err);
	if (!lit)
		return NULL;
	char *expr = lockrec_sql(lit);
	free(lit);
	return expr;
}

/* The lock record's column and value in the INSERT of a transactional file's row, and its RETURNING; all ""
 * when the table has no locks column (an older pgboot's, not upgraded). 0, or -1 with err (70). */
struct lock_parts {
	char *column, *value, *update, *returning;
};

static int lock_parts(const struct history *h, struct db *db, struct lock_parts *p, struct pgb_error *err)
{
	if (!h->has_locks) {
		p->column = xstrdup(""), p->value = xstrdup(""), p->update = xstrdup(""), p->returning = xstrdup("");
		return 0;
	}
	char *expr = history_lockrec_sql(h, db, err);
	if (!expr)
		return -1;
	p->column = xstrdup(", locks");
	p->value = xasprintf(", %s", expr);
	p->update = xstrdup(", locks = EXCLUDED.locks");
	p->returning = xstrdup(" RETURNING locks AS " LOCKREC_RETURNING);
	free(expr);
	return 0;
}

static void lock_parts_free(struct lock_parts *p)
{
	free(p->column);
	free(p->value);
	free(p->update);
	free(p->returning);
}

char *history_record_sql(const struct history *h, struct db *db, const struct migfile *mf, int replace,
			 struct pgb_error *err)
{
	const char *kind = history_kind_name(mf->kind);
	struct row_literals l;
	struct lock_parts lp;
	if (row_literals(db, mf, &l, err))
		return NULL;
	if (lock_parts(h, db, &lp, err)) {
		row_literals_free(&l);
		return NULL;
	}
	int upsert = mf->kind == MIG_SEED || replace;
	/* the lock record is computed last, as the row goes in: everything the file ran holds its locks by then */
	char *sql = xasprintf(
		"INSERT INTO %s (kind, version, name, checksum, down_sql, applied_at, duration_ms, applied_by%s) "
		"VALUES ('%s', %s, %s, '%s', %s, %s, "
		"(extract(epoch FROM pg_catalog.clock_timestamp() - %s) * 1000)::integer, %s%s)%s%s%s",
		h->qualified, lp.column, kind, l.ver, l.name, mf->checksum, l.down, HISTORY_START_SQL, HISTORY_START_SQL,
		l.by, lp.value,
		upsert ? " ON CONFLICT (kind, version) DO UPDATE SET name = EXCLUDED.name, "
			 "checksum = EXCLUDED.checksum, down_sql = EXCLUDED.down_sql, "
			 "applied_at = EXCLUDED.applied_at, duration_ms = EXCLUDED.duration_ms, "
			 "applied_by = EXCLUDED.applied_by, progress = NULL"
		       : "",
		upsert ? lp.update : "", lp.returning);
	row_literals_free(&l);
	lock_parts_free(&lp);
	return sql;
}

int history_upgrade(struct history *h, struct db *db, long long lock_timeout_ms, struct pgb_error *err)
{
	if (h->has_locks || !h->exists)
		return 0;
	struct pgb_error e;
	pgb_error_init(&e);
	char *lit = db_quote_literal(db, h->qualified, strlen(h->qualified), &e);
	/* the body's quoting: a dollar tag no name contains */
	const char *tag = lit && !strstr(lit, "$pgboot_upgrade$") && !strstr(h->qualified, "$pgboot_upgrade$")
				  ? "$pgboot_upgrade$"
				  : NULL;
	char *sql = tag ? xasprintf("BEGIN; SET LOCAL lock_timeout = %lld; SET LOCAL client_min_messages = warning; "
				    "DO %s BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = "
				    "%s::pg_catalog.regclass AND attname = 'locks' AND NOT attisdropped) THEN "
				    "ALTER TABLE %s ADD COLUMN IF NOT EXISTS locks text; END IF; END %s; COMMIT",
				    lock_timeout_ms > 0 ? lock_timeout_ms : 5000, tag, lit, h->qualified, tag)
			: NULL;
	if (lit && !tag)
		pgb_fail(&e, PGB_EXIT_INTERNAL, "its name holds \"$pgboot_upgrade$\"");
	int rc = sql ? db_exec(db, sql, NULL, NULL, &e) : -1;
	free(sql);
	free(lit);
	if (rc == 0) {
		h->has_locks = 1;
		return 0;
	}
	db_rollback_if_needed(db);
	if (!db_alive(db)) {
		pgb_error_move(err, &e);
		return -1;
	}
	/* the record is worth a warning, not a failed deploy: an older pgboot never needed the column */
	log_event(LOG_WARNING, "history_not_upgraded",
		  LOG_FIELDS(LF_STR("table", h->display), LF_STR("reason", e.message ? e.message : "")),
		  "could not add column \"locks\" to history table \"%s\" (%s); the locks each migration holds are "
		  "not recorded (as the table's owner: ALTER TABLE %s ADD COLUMN locks text)",
		  h->display, e.message ? e.message : "", h->qualified);
	pgb_error_free(&e);
	return 0;
}

char *history_adopted_sql(const struct history *h, struct db *db, const struct migfile *mf, const char *applied_at,
			  const char *tool, struct pgb_error *err)
{
	struct row_literals l;
	if (row_literals(db, mf, &l, err))
		return NULL;
	char *by = xasprintf("adopted from %s (%s)", tool, history_applied_by());
	char *by_lit = db_quote_literal(db, by, strlen(by), err);
	char *at = by_lit && applied_at ? db_quote_literal(db, applied_at, strlen(applied_at), err) : NULL;
	char *sql = NULL;
	if (by_lit && (at || !applied_at))
		sql = xasprintf("INSERT INTO %s (kind, version, name, checksum, down_sql, applied_at, duration_ms, applied_by) "
				"VALUES ('%s', %s, %s, '%s', %s, %s%s, 0, %s)",
				h->qualified, history_kind_name(MIG_MIGRATION), l.ver, l.name, mf->checksum, l.down,
				at ? at : "pg_catalog.now()", at ? "::timestamptz" : "", by_lit);
	free(by);
	free(by_lit);
	free(at);
	row_literals_free(&l);
	return sql;
}

char *history_start_sql(const struct history *h, struct db *db, const struct migfile *mf, struct pgb_error *err)
{
	struct row_literals l;
	if (row_literals(db, mf, &l, err))
		return NULL;
	char *sql = xasprintf(
		"INSERT INTO %s AS h (kind, version, name, checksum, down_sql, applied_at, duration_ms, applied_by, progress) "
		"VALUES ('%s', %s, %s, '%s', %s, pg_catalog.now(), 0, %s, 0) "
		"ON CONFLICT (kind, version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, "
		"down_sql = EXCLUDED.down_sql, applied_at = EXCLUDED.applied_at, applied_by = EXCLUDED.applied_by, "
		/* a re-run of a half-applied file: the objects of the furthest run may exist, so the
		 * history keeps saying that many statements ran (a finished row starts from 0) */
		"progress = COALESCE(h.progress, 0)%s",
		h->qualified, history_kind_name(mf->kind), l.ver, l.name, mf->checksum, l.down, l.by,
		/* its statements commit one by one: the locks of a whole file are never held at once */
		h->has_locks ? ", locks = NULL" : "");
	row_literals_free(&l);
	return sql;
}

char *history_progress_sql(const struct history *h, struct db *db, const struct migfile *mf, int done,
			   struct pgb_error *err)
{
	char *ver = db_quote_literal(db, mf->version.text, strlen(mf->version.text), err);
	if (!ver)
		return NULL;
	char *sql = xasprintf("UPDATE %s SET progress = GREATEST(progress, %d) WHERE kind = '%s' AND version = %s",
			      h->qualified, done,
			      history_kind_name(mf->kind), ver);
	free(ver);
	return sql;
}

char *history_finish_sql(const struct history *h, struct db *db, const struct migfile *mf, long long ms,
			 struct pgb_error *err)
{
	char *ver = db_quote_literal(db, mf->version.text, strlen(mf->version.text), err);
	if (!ver)
		return NULL;
	char *sql = xasprintf("UPDATE %s SET progress = NULL, applied_at = pg_catalog.now(), duration_ms = %lld "
			      "WHERE kind = '%s' AND version = %s",
			      h->qualified, ms > 2147483647LL ? 2147483647LL : ms, history_kind_name(mf->kind),
			      ver);
	free(ver);
	return sql;
}

char *history_reset_sql(const struct history *h, int drop)
{
	/* the DELETE first either way: its command tag counts the seed rows left */
	return xasprintf("DELETE FROM %s WHERE kind = 'seed'%s%s", h->qualified, drop ? ";\nDROP TABLE " : "",
			 drop ? h->qualified : "");
}

/* UPDATE row's progress to the expression set; NULL with err when the version cannot be quoted */
static char *set_progress_sql(const struct history *h, struct db *db, const struct history_row *row, const char *set,
			      struct pgb_error *err)
{
	char *ver = db_quote_literal(db, row->version.text, strlen(row->version.text), err);
	if (!ver)
		return NULL;
	char *sql = xasprintf("UPDATE %s SET progress = %s WHERE kind = '%s' AND version = %s", h->qualified, set,
			      history_kind_name(row->kind), ver);
	free(ver);
	return sql;
}

char *history_down_start_sql(const struct history *h, struct db *db, const struct history_row *row,
			     struct pgb_error *err)
{
	/* a re-run keeps the furthest progress any run of the down part recorded */
	return set_progress_sql(h, db, row, "LEAST(COALESCE(progress, -2), -2)", err);
}

char *history_down_progress_sql(const struct history *h, struct db *db, const struct history_row *row, int done,
				struct pgb_error *err)
{
	char set[64];
	snprintf(set, sizeof(set), "LEAST(progress, %d)", -2 - done);
	return set_progress_sql(h, db, row, set, err);
}

char *history_delete_sql(const struct history *h, struct db *db, const struct history_row *row, struct pgb_error *err)
{
	char *ver = db_quote_literal(db, row->version.text, strlen(row->version.text), err);
	if (!ver)
		return NULL;
	char *sql = xasprintf("DELETE FROM %s WHERE kind = '%s' AND version = %s", h->qualified,
			      history_kind_name(row->kind), ver);
	free(ver);
	return sql;
}
