/*
 * lint.h: safety analysis of pending migrations, before they run. The
 * statements pgboot's lexer found (sqlsplit.h) are each parsed by the real
 * PostgreSQL 15 grammar (pgq.h: libpg_query, its tree read as JSON through
 * json_read.h); each lint rule (src/lint/<id>.c, one line in
 * src/lint/lint.c's table) looks at one statement's tree and reports a
 * finding: the rule, the place (file:line:col), the lock it takes (mode and
 * table), the table it concerns and the safe alternative written out for
 * the user's own statement. The findings are then graded: by the live
 * database when there is one (the table's estimated rows and size from
 * pg_class, the server version), by the text alone offline (and say so).
 *
 * Nothing here runs for an up-to-date start: only pending files are
 * linted (and the files "pgboot lint" is given).
 *
 * Adding a rule: src/lint/<id>.c defining `const struct lint_rule
 * lint_rule_<id>` (the id spelled with '_' for '-'), one X(<id>) line in
 * src/lint/lint.c's table; tests/unit/test_lint.c runs its examples.
 */
#ifndef PGB_LINT_H
#define PGB_LINT_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "json_read.h"
#include "sqlsplit.h"

struct strbuf;

/* How bad a finding is, in order. */
enum lint_grade { LINT_INFO, LINT_WARNING, LINT_ERROR };

/*
 * How a rule's findings are graded.
 *  LINT_BY_SIZE: the harm grows with the table: info when the table does
 *     not exist yet (created by a pending migration, or absent from the live
 *     database) or is small, the rule's `large` grade on a large one, warning
 *     offline for a table pgboot cannot size.
 *  LINT_FIXED: the rule's `large` grade whatever the table (a statement that
 *     will fail, an ignore without a reason).
 *  LINT_IF_EXISTS: info on a table that does not exist yet, else the rule's
 *     `large` grade (a rename or a drop breaks the release still running
 *     whatever the table's size).
 */
enum lint_scale { LINT_BY_SIZE, LINT_FIXED, LINT_IF_EXISTS };

/* What a rule sees: one statement of one file. Opaque; read through the functions below. */
struct lint_ctx;

struct lint_example {
	const char *sql;     /* one or more statements, as a file's up part */
	int hits;            /* how many findings of this rule it must give */
	int no_transaction;  /* 1: linted as a "-- pgboot:no-transaction" file */
};

struct lint_rule {
	const char *id;      /* stable, lower-case words joined by '-': "index-not-concurrent" */
	const char *reason;  /* one line: why it hurts ("blocks writes to the table for the whole index build") */
	enum lint_scale scale;
	enum lint_grade large; /* the grade on a large table (LINT_BY_SIZE), or always (LINT_FIXED) */
	/*
	 * Called once per parsed statement with its tree: node is the
	 * statement's node object, e.g. the value of {"IndexStmt": {...}},
	 * and type its name ("IndexStmt"). Reports 0 or more findings through
	 * lint_report. A file rule (two ACCESS EXCLUSIVE tables in one
	 * transaction) keeps its state across calls through lint_file_state
	 * and reports at lint_file_end.
	 */
	void (*check)(struct lint_ctx *cx, const char *type, const struct json_value *node);
	/* optional: called once after the file's last statement */
	void (*file_end)(struct lint_ctx *cx);
	const struct lint_example *examples; /* ended by one whose sql is NULL */
};

/* The table of rules, ended by NULL (src/lint/lint.c). */
extern const struct lint_rule *const lint_rules[];
/* "pgboot lint --help"'s list: each rule's id and reason, one a line. */
void lint_print_rules(FILE *out);

/* ---- what a rule calls ---- */

/*
 * Report a finding of the calling rule for the current statement.
 *  at:    a tree node with a "location" member (the place shown), or NULL
 *         for the statement's start;
 *  table: the table it concerns, as lint_rangevar names it ("app.messages",
 *         "messages", "app.\"Orders\""), or NULL; it is what the grading sizes;
 *  lock:  the lock taken, "ACCESS EXCLUSIVE", "SHARE" ..., or NULL;
 *  fix:   printf-style, the safe alternative for this very statement
 *         ("CREATE INDEX CONCURRENTLY messages_body_idx ON messages (body);
 *         in a file of its own with -- pgboot:no-transaction"); NULL for none.
 */
void lint_report(struct lint_ctx *cx, const struct json_value *at, const char *table, const char *lock,
		 const char *fix, ...) __attribute__((format(printf, 5, 6)));

/* The current statement's text (the bytes the lexer found, without the ';'), and its length. */
const char *lint_stmt_text(const struct lint_ctx *cx, size_t *len);
/* The byte offset within lint_stmt_text of a node's "location", or 0 when it has none. */
size_t lint_offset(const struct lint_ctx *cx, const struct json_value *node);
/*
 * For a finding that hangs on what only the database knows, a column's current type: call right
 * after lint_report. Online, the runner reads the column's type (format_type of pg_attribute) on
 * the finding's table, when it exists and is not created here, and calls recheck(live, data,
 * &note): 1 drops the finding (the statement is safe on that type), 0 keeps it, and a note
 * (xmalloc'd, or NULL) takes the place of the fix's first unknown_len bytes (the words that said
 * the type was not known). Offline, or for a column not found, it stays as reported.
 */
void lint_report_recheck(struct lint_ctx *cx, const char *column, const char *data, size_t unknown_len,
			 int (*recheck)(const char *live, const char *data, char **note));
/* Parse a type's text as format_type prints it ("character varying(100)") and call fn with its
 * TypeName node: 0, or -1 when the parser refuses it. */
int lint_parse_type(const char *text, void (*fn)(const struct json_value *type_name, void *arg), void *arg);
/* 1 when the file runs outside a transaction ("-- pgboot:no-transaction"), 0 when in one. */
int lint_no_transaction(const struct lint_ctx *cx);
/*
 * 1 when a statement before this one (in this file or an earlier pending
 * file) creates the table name (lint_rangevar's form): a CREATE TABLE (AS), SELECT INTO or CREATE
 * MATERIALIZED VIEW, under this name or one it was renamed from since
 * (ALTER TABLE ... RENAME TO, SET SCHEMA), or the table's schema is one the
 * run created.
 */
int lint_created_here(const struct lint_ctx *cx, const char *table);
/* 1 when a statement before this one creates the schema (its name unquoted; CREATE SCHEMA without IF NOT EXISTS),
 * renamed or not. */
int lint_schema_created_here(const struct lint_ctx *cx, const char *schema);
/* A place a file rule keeps its state across the file's statements (zeroed at each file's start;
   what a rule allocates there it frees in its file_end, which runs for every file). */
void **lint_file_state(struct lint_ctx *cx);
/*
 * Facts a rule keeps for the rest of the run (every later statement of
 * every later pending file): the column types the CREATE TABLEs gave, the
 * CHECK constraints validated. Each rule has its own keys; the run owns
 * the copies. lint_remember with value NULL forgets key; lint_recall gives
 * the last value remembered, or NULL.
 */
void lint_remember(struct lint_ctx *cx, const char *key, const char *value);
const char *lint_recall(const struct lint_ctx *cx, const char *key);

/* ---- reading the tree (pg_query's JSON: nodes are {"Type": {...}}, false members are absent) ---- */

/* If v is {"<type>": obj}, obj; else NULL. */
const struct json_value *lint_node(const struct json_value *v, const char *type);
/* The single node type name of v ({"Type": {...}}), or NULL. */
const char *lint_node_type(const struct json_value *v);
/* Member key of obj as a string, or NULL. */
const char *lint_str(const struct json_value *obj, const char *key);
/* 1 when member key of obj is true. */
int lint_true(const struct json_value *obj, const char *key);
/* Member key of obj as an integer, or dflt. */
long long lint_int(const struct json_value *obj, const char *key, long long dflt);
/*
 * A RangeVar object's name, each part as quote_ident gives it ("app.messages", "app.\"Orders\"",
 * "\"x.y\""): one spelling per relation, so a dot inside a quoted name never reads as a schema's.
 * xmalloc'd. The relation names lint_report takes and the runner sizes are in this form.
 */
char *lint_rangevar(const struct json_value *rangevar);
/* The '.' between schema and relation in such a name (outside double quotes), or NULL. */
const char *lint_name_dot(const char *name);
/* Such a name as a message shows it: a plain one-part name in double quotes ("users"), any other as SQL
 * spells it (app.users, app."Orders", "x.y": never two tables shown alike). */
void lint_add_name_shown(struct strbuf *sb, const char *name);
/* A list of {"String":{"sval":...}} joined by '.' ("pg_catalog.int8"), xmalloc'd; NULL if not such a list. */
char *lint_names(const struct json_value *list);

/* One ALTER TABLE statement's table, as lint_each_alter_cmd gives it to each of its commands. */
struct lint_alter {
	const struct json_value *relation; /* the RangeVar object */
	const char *rel;   /* its relname alone: the key a rule keeps facts under */
	const char *table; /* "schema.rel" or "rel", quoted where needed (lint_rangevar): what lint_report sizes */
	const char *ttext; /* as to write it in a fix, quoted where needed (lint_table_text) */
};
/*
 * When the statement is an ALTER TABLE of a table (type "AlterTableStmt",
 * objtype OBJECT_TABLE, a relation with a relname): fn once for each of its
 * AlterTableCmd objects that has a subtype ("AT_AddColumn" ...), in order;
 * else nothing. a and its strings live until the walk ends.
 */
void lint_each_alter_cmd(struct lint_ctx *cx, const char *type, const struct json_value *node,
			 void (*fn)(struct lint_ctx *cx, const struct lint_alter *a, const char *subtype,
				    const struct json_value *cmd));

/* ---- running the lint (src/lint/lint.c; the rules never call these) ---- */


/* One file to lint: its up part, as it will run. */
struct lint_file {
	const char *path;   /* as shown: "migrations/0002_index.sql" */
	const char *text;   /* the up part, text[0..len) */
	size_t len;
	int no_transaction; /* "-- pgboot:no-transaction" */
};

/* One finding, as reported and graded. */
struct lint_finding {
	const char *rule;     /* the rule's id ("lint-parse", "lint-ignore-reason": the framework's own) */
	enum lint_scale scale;
	enum lint_grade large;
	enum lint_grade grade; /* after lint_grade */
	char *file;
	int line, column;
	char *reason;        /* the rule's reason, or the framework's words */
	char *lock;          /* "SHARE" ..., or NULL */
	char *table;         /* as lint_rangevar names it, or NULL */
	char *fix;           /* or NULL */
	char *excerpt;       /* "LINE 3: CREATE INDEX ...\n        ^", or NULL */
	int ignored;         /* silenced by a lint-ignore directive: listed, never graded */
	char *ignore_reason; /* the directive's reason (NULL: none given) */
	int created_here;    /* the table is created by an earlier pending statement */
	int path_moved;      /* unqualified, after the file may have changed search_path: not sized */
	int renamed;         /* a pending RENAME TO or SET SCHEMA gave this name to, or took it from, a table
				the run did not create: the server's table of the name is not this one; not sized */
	int exists;          /* online: 1 the table exists, 0 it does not; offline -1 */
	long long rows;      /* online, the table exists: pg_class.reltuples (-1: never analysed) */
	long long bytes;     /* pg_total_relation_size */
	/* lint_report_recheck: the column whose live type decides, the rule's data and its test */
	char *recheck_column, *recheck_data;
	size_t recheck_unknown_len;
	int (*recheck)(const char *live, const char *data, char **note);
};

/* A lint of one or more files, in order (what the first creates, the later ones know). */
struct lint_run {
	struct lint_finding *findings;
	size_t n, cap;
	char **created; /* the tables created so far, as lint_rangevar names them (renamed as the run renames them) */
	size_t ncreated;
	char **renamed; /* the names a pending RENAME TO or SET SCHEMA of a table the run did not create gave or took */
	size_t nrenamed;
	char **schemas; /* the schemas created so far, quoted where needed (lint_quote_ident) */
	size_t nschemas;
	void **state;   /* one per rule of the table: lint_file_state */
	char **facts;   /* lint_remember: "<rule index>\x1f<key>" and its value, in pairs */
	size_t nfacts;  /* pairs */
	int offline;    /* graded by the text alone */
	char *offline_why;    /* why, when not asked for ("no server reachable within 5s") */
	char *server_version; /* "15.4" online */
	long long large_rows;  /* a table at or over either is large */
	long long large_bytes;
	size_t files;         /* how many were linted */
};

void lint_run_init(struct lint_run *run);
void lint_run_free(struct lint_run *run);

/* Lint one file: every rule over every statement; lint-parse for what the parser refuses. */
void lint_file(struct lint_run *run, const struct lint_file *f);

/* The distinct tables the findings name (not created here), for the size query: borrowed, *n of them. */
const char **lint_tables(const struct lint_run *run, size_t *n);
/* Online: what the server says of a table of lint_tables (exists 0 or 1). */
void lint_set_size(struct lint_run *run, const char *table, int exists, long long rows, long long bytes);
/* Online, after lint_set_size: the findings to recheck (lint_report_recheck) whose table exists, *n of
 * them, as indexes into run->findings (xmalloc'd). */
size_t *lint_rechecks(const struct lint_run *run, size_t *n);
/* The column's type the server gave for finding i (NULL: none such): the finding kept, noted, or dropped
 * (the later findings move down one: call for lint_rechecks' indexes last first). */
void lint_recheck(struct lint_run *run, size_t i, const char *live);
/* Grade every finding (online when !run->offline, after lint_set_size for each table). */
void lint_grade(struct lint_run *run);

/* The number of graded (not ignored) findings at or above grade. */
size_t lint_count_at(const struct lint_run *run, enum lint_grade at);
const char *lint_grade_name(enum lint_grade g);
/* "info", "warning" or "error" to *g: 0, or -1 */
int lint_grade_parse(const char *s, enum lint_grade *g);

/* The text of every finding (file:line:col: grade: rule: reason, the caret, lock, table, fix). */
void lint_print_text(FILE *out, const struct lint_run *run);
/* pgboot lint --json: one document. */
void lint_print_json(FILE *out, const struct lint_run *run);
/* One log event per finding (log.h: text or JSON), then a summary line. */
void lint_log(const struct lint_run *run);

/* The rule named id[0..n) (a table rule), or NULL. */
const struct lint_rule *lint_rule_find(const char *id, size_t n);

/*
 * A "pgboot:lint-ignore RULE[,RULE] -- reason" directive: s[0..n) is the
 * text after the word lint-ignore. Returns 0 (the ids known; *reason_at /
 * *reason_len the reason, 0 long when none), or -1 with err (78) naming the
 * unknown or missing id. rules may be NULL; else it gets the ids, a
 * malloc'd array of malloc'd strings (*nrules).
 */
int lint_ignore_read(const char *s, size_t n, char ***rules, size_t *nrules, const char **reason_at,
		     size_t *reason_len, struct pgb_error *err);

#endif
