/*
 * locks.c: the lock model of the lint rules (see lint_locks.h): which
 * relations a statement locks and how strongly, by PostgreSQL 15's rules.
 * Sources: the manual's "Explicit Locking" table of commands per mode, the
 * lock levels its ALTER TABLE, CREATE INDEX, REINDEX, REFRESH MATERIALIZED
 * VIEW, ATTACH/DETACH PARTITION pages state, and AlterTableGetLockLevel.
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "lint_locks.h"
#include "lint_written.h"
#include "xmem.h"

static const char *const mode_names[] = {
	NULL,
	"ACCESS SHARE",
	"ROW SHARE",
	"ROW EXCLUSIVE",
	"SHARE UPDATE EXCLUSIVE",
	"SHARE",
	"SHARE ROW EXCLUSIVE",
	"EXCLUSIVE",
	"ACCESS EXCLUSIVE",
};

const char *lint_lock_name(enum lint_lock_mode mode)
{
	return mode >= LINT_LOCK_NONE && mode <= LINT_LOCK_ACCESS_EXCLUSIVE ? mode_names[mode] : NULL;
}

const struct lint_lock *lint_locks_find(const struct lint_locks *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

enum lint_lock_mode lint_locks_max(const struct lint_locks *l)
{
	enum lint_lock_mode m = LINT_LOCK_NONE;
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].mode > m)
			m = l->items[i].mode;
	return m;
}

void lint_locks_free(struct lint_locks *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].quoted);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Add name and its quoted form (both taken: xmalloc'd) at mode, or raise its mode when it is there already. */
static void add_name(struct lint_locks *l, char *name, char *quoted, enum lint_lock_mode mode,
		     enum lint_rel_kind kind, const struct json_value *at)
{
	if (!name || !quoted) {
		free(name);
		free(quoted);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0) {
			if (mode > l->items[i].mode)
				l->items[i].mode = mode;
			free(name);
			free(quoted);
			return;
		}
	l->items = xrealloc(l->items, (l->n + 1) * sizeof *l->items);
	l->items[l->n++] = (struct lint_lock){name, quoted, mode, kind, at};
}

/* A RangeVar, bare ({"relname":...}) or wrapped ({"RangeVar":{...}}). */
static const struct json_value *rangevar(const struct json_value *v)
{
	const struct json_value *rv = lint_node(v, "RangeVar");
	return rv ? rv : (v && v->type == JSON_OBJECT && lint_str(v, "relname") ? v : NULL);
}

static char *quoted_rv(const struct json_value *rv)
{
	const char *rel = lint_str(rv, "relname");
	return rel ? lint_quote_name(lint_str(rv, "schemaname"), rel, NULL) : NULL;
}

static void add_rv(struct lint_locks *l, const struct json_value *v, enum lint_lock_mode mode, enum lint_rel_kind kind)
{
	const struct json_value *rv = rangevar(v);
	if (rv)
		add_name(l, lint_rangevar(rv), quoted_rv(rv), mode, kind, rv);
}

static void add_rv_list(struct lint_locks *l, const struct json_value *list, enum lint_lock_mode mode)
{
	if (list && list->type == JSON_ARRAY)
		for (size_t i = 0; i < list->n; i++)
			add_rv(l, &list->items[i], mode, LINT_REL_TABLE);
}

/* The String items of a {"List":{"items":[...]}} name without its last drop_last parts, plain and quoted. */
static void add_list(struct lint_locks *l, const struct json_value *v, size_t drop_last, enum lint_lock_mode mode,
		     enum lint_rel_kind kind)
{
	const struct json_value *items = json_member(lint_node(v, "List"), "items");
	if (!items || items->type != JSON_ARRAY || items->n <= drop_last)
		return;
	struct json_value part = *items;
	part.n -= drop_last;
	if (part.n > 2) /* db.schema.rel: the database's part is no part of lint_rangevar's names */
		part.items += part.n - 2, part.n = 2;
	add_name(l, lint_quote_parts(&part, 0), lint_quote_parts(&part, 0), mode, kind, NULL);
}

/* ---- ALTER TABLE ---- */

/* Reloptions that ALTER TABLE SET (...) changes under SHARE UPDATE EXCLUSIVE (reloptions.c); the others ACCESS EXCLUSIVE. */
static int sue_reloption(const char *name)
{
	static const char *const sue[] = {"fillfactor", "toast_tuple_target", "parallel_workers",
					  "vacuum_index_cleanup", "vacuum_truncate", "log_autovacuum_min_duration",
					  "fastupdate", "gin_pending_list_limit", "deduplicate_items",
					  "pages_per_range", "autosummarize", NULL};
	if (strncmp(name, "autovacuum_", 11) == 0 || strncmp(name, "toast.", 6) == 0)
		return 1;
	for (size_t i = 0; sue[i]; i++)
		if (strcmp(name, sue[i]) == 0)
			return 1;
	return 0;
}

static enum lint_lock_mode reloptions_mode(const struct json_value *def)
{
	const struct json_value *items = json_member(lint_node(def, "List"), "items");
	enum lint_lock_mode m = LINT_LOCK_SHARE_UPDATE_EXCLUSIVE;
	if (!items || items->type != JSON_ARRAY || items->n == 0)
		return LINT_LOCK_ACCESS_EXCLUSIVE;
	for (size_t i = 0; i < items->n; i++) {
		const char *name = lint_str(lint_node(&items->items[i], "DefElem"), "defname");
		const char *ns = lint_str(lint_node(&items->items[i], "DefElem"), "defnamespace");
		if (!name || (ns && strcmp(ns, "toast") != 0) || !sue_reloption(name))
			m = LINT_LOCK_ACCESS_EXCLUSIVE;
	}
	return m;
}

/* A foreign key's referenced table: SHARE ROW EXCLUSIVE (its triggers are added). */
static void add_fk_target(struct lint_locks *l, const struct json_value *constraint)
{
	const struct json_value *c = lint_node(constraint, "Constraint");
	const char *t = lint_str(c, "contype");
	if (t && strcmp(t, "CONSTR_FOREIGN") == 0)
		add_rv(l, json_member(c, "pktable"), LINT_LOCK_SHARE_ROW_EXCLUSIVE, LINT_REL_TABLE);
}

static void add_column_fks(struct lint_locks *l, const struct json_value *coldef)
{
	const struct json_value *cons = json_member(lint_node(coldef, "ColumnDef"), "constraints");
	if (cons && cons->type == JSON_ARRAY)
		for (size_t i = 0; i < cons->n; i++)
			add_fk_target(l, &cons->items[i]);
}

/* One subcommand's mode on the altered table (AlterTableGetLockLevel), and the other tables it locks. */
static enum lint_lock_mode alter_cmd(struct lint_locks *l, const struct json_value *cmd)
{
	static const char *const sue[] = {"AT_SetStatistics", "AT_ClusterOn", "AT_DropCluster", "AT_SetOptions",
					  "AT_ResetOptions", "AT_ValidateConstraint", "AT_AttachPartition",
					  "AT_DetachPartitionFinalize", NULL};
	static const char *const sre[] = {"AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig",
					  "AT_EnableTrigAll", "AT_EnableTrigUser", "AT_DisableTrig",
					  "AT_DisableTrigAll", "AT_DisableTrigUser", NULL};
	const char *sub = lint_str(cmd, "subtype");
	const struct json_value *def = json_member(cmd, "def");
	if (!sub)
		return LINT_LOCK_ACCESS_EXCLUSIVE;
	if (strcmp(sub, "AT_AttachPartition") == 0)
		/* the table attached (and a default partition, which only the database knows) */
		add_rv(l, json_member(lint_node(def, "PartitionCmd"), "name"), LINT_LOCK_ACCESS_EXCLUSIVE,
		       LINT_REL_TABLE);
	if (strcmp(sub, "AT_DetachPartition") == 0) {
		int conc = lint_true(lint_node(def, "PartitionCmd"), "concurrent");
		enum lint_lock_mode m = conc ? LINT_LOCK_SHARE_UPDATE_EXCLUSIVE : LINT_LOCK_ACCESS_EXCLUSIVE;
		add_rv(l, json_member(lint_node(def, "PartitionCmd"), "name"), m, LINT_REL_TABLE);
		return m;
	}
	for (size_t i = 0; sue[i]; i++)
		if (strcmp(sub, sue[i]) == 0)
			return LINT_LOCK_SHARE_UPDATE_EXCLUSIVE;
	for (size_t i = 0; sre[i]; i++)
		if (strcmp(sub, sre[i]) == 0)
			return LINT_LOCK_SHARE_ROW_EXCLUSIVE;
	if (strcmp(sub, "AT_SetRelOptions") == 0 || strcmp(sub, "AT_ResetRelOptions") == 0)
		return reloptions_mode(def);
	if (strcmp(sub, "AT_AddColumn") == 0)
		add_column_fks(l, def);
	if (strcmp(sub, "AT_AddConstraint") == 0) {
		const char *t = lint_str(lint_node(def, "Constraint"), "contype");
		add_fk_target(l, def);
		if (t && strcmp(t, "CONSTR_FOREIGN") == 0)
			return LINT_LOCK_SHARE_ROW_EXCLUSIVE;
	}
	return LINT_LOCK_ACCESS_EXCLUSIVE;
}

static void alter_table(struct lint_locks *l, const struct json_value *n)
{
	const char *objtype = lint_str(n, "objtype");
	const struct json_value *cmds = json_member(n, "cmds");
	const struct json_value *rv = rangevar(json_member(n, "relation"));
	enum lint_lock_mode m = LINT_LOCK_NONE;
	if (!rv)
		return;
	/* the altered table first, so that it leads the list */
	add_name(l, lint_rangevar(rv), quoted_rv(rv), LINT_LOCK_ACCESS_SHARE,
		 objtype && strcmp(objtype, "OBJECT_INDEX") == 0 ? LINT_REL_INDEX : LINT_REL_TABLE, rv);
	if (cmds && cmds->type == JSON_ARRAY)
		for (size_t i = 0; i < cmds->n; i++) {
			enum lint_lock_mode c = alter_cmd(l, lint_node(&cmds->items[i], "AlterTableCmd"));
			if (c > m)
				m = c;
		}
	l->items[0].mode = m ? m : LINT_LOCK_ACCESS_EXCLUSIVE;
}

/* ---- the other statements ---- */

static void drop_stmt(struct lint_locks *l, const struct json_value *n)
{
	const char *t = lint_str(n, "removeType");
	const struct json_value *objs = json_member(n, "objects");
	enum lint_rel_kind kind = LINT_REL_TABLE;
	enum lint_lock_mode mode = LINT_LOCK_ACCESS_EXCLUSIVE;
	size_t drop_last = 0;
	if (!t || !objs || objs->type != JSON_ARRAY)
		return;
	if (strcmp(t, "OBJECT_INDEX") == 0) {
		kind = LINT_REL_INDEX;
		if (lint_true(n, "concurrent"))
			mode = LINT_LOCK_SHARE_UPDATE_EXCLUSIVE;
	} else if (strcmp(t, "OBJECT_TRIGGER") == 0 || strcmp(t, "OBJECT_POLICY") == 0 ||
		   strcmp(t, "OBJECT_RULE") == 0) {
		drop_last = 1; /* "ON table": the table is the name without its last part */
	} else if (strcmp(t, "OBJECT_SCHEMA") == 0) {
		for (size_t i = 0; i < objs->n; i++) {
			const char *name = lint_str(lint_node(&objs->items[i], "String"), "sval");
			if (name)
				add_name(l, xstrdup(name), lint_quote_ident(name), mode, LINT_REL_SCHEMA, NULL);
		}
		return;
	} else if (strcmp(t, "OBJECT_TABLE") != 0 && strcmp(t, "OBJECT_VIEW") != 0 &&
		   strcmp(t, "OBJECT_MATVIEW") != 0 && strcmp(t, "OBJECT_FOREIGN_TABLE") != 0) {
		return;
	}
	for (size_t i = 0; i < objs->n; i++)
		add_list(l, &objs->items[i], drop_last, mode, kind);
}

static void create_stmt(struct lint_locks *l, const struct json_value *n)
{
	const struct json_value *elts = json_member(n, "tableElts");
	const struct json_value *inh = json_member(n, "inhRelations");
	/* a partition locks its parent ACCESS EXCLUSIVE, an inheriting table its parents SHARE UPDATE EXCLUSIVE */
	add_rv_list(l, inh, json_member(n, "partbound") ? LINT_LOCK_ACCESS_EXCLUSIVE : LINT_LOCK_SHARE_UPDATE_EXCLUSIVE);
	if (elts && elts->type == JSON_ARRAY)
		for (size_t i = 0; i < elts->n; i++) {
			add_fk_target(l, &elts->items[i]);
			add_column_fks(l, &elts->items[i]);
		}
}

/* A DefElem option's boolean value: no argument is true; false, off and 0 are false. */
static int option_true(const struct json_value *d)
{
	const struct json_value *arg = json_member(d, "arg");
	const char *val = lint_str(lint_node(arg, "String"), "sval");
	const struct json_value *i = lint_node(arg, "Integer");
	if (!arg)
		return 1;
	if (i)
		return lint_int(i, "ival", 0) != 0; /* a zero ival is absent */
	if (lint_node(arg, "Boolean"))
		return lint_true(lint_node(arg, "Boolean"), "boolval");
	return !val || (strcmp(val, "false") != 0 && strcmp(val, "off") != 0);
}

/* 1 when the DefElem list holds option name, true. */
static int has_option(const struct json_value *list, const char *name)
{
	int on = 0;
	if (list && list->type == JSON_ARRAY)
		for (size_t i = 0; i < list->n; i++) {
			const struct json_value *d = lint_node(&list->items[i], "DefElem");
			const char *n = lint_str(d, "defname");
			if (n && strcmp(n, name) == 0)
				on = option_true(d);
		}
	return on;
}

int lint_option(const struct json_value *list, const char *name)
{
	return has_option(list, name);
}

static void reindex_stmt(struct lint_locks *l, const struct json_value *n)
{
	const char *kind = lint_str(n, "kind");
	int conc = has_option(json_member(n, "params"), "concurrently");
	if (!kind)
		return;
	/* REINDEX TABLE: SHARE on the table (ACCESS EXCLUSIVE on each of its indexes); REINDEX INDEX: ACCESS EXCLUSIVE on the index */
	if (strcmp(kind, "REINDEX_OBJECT_TABLE") == 0)
		add_rv(l, json_member(n, "relation"), conc ? LINT_LOCK_SHARE_UPDATE_EXCLUSIVE : LINT_LOCK_SHARE,
		       LINT_REL_TABLE);
	else if (strcmp(kind, "REINDEX_OBJECT_INDEX") == 0)
		add_rv(l, json_member(n, "relation"), conc ? LINT_LOCK_SHARE_UPDATE_EXCLUSIVE : LINT_LOCK_ACCESS_EXCLUSIVE,
		       LINT_REL_INDEX);
}

static void vacuum_stmt(struct lint_locks *l, const struct json_value *n)
{
	const struct json_value *rels = json_member(n, "rels");
	enum lint_lock_mode m = has_option(json_member(n, "options"), "full") ? LINT_LOCK_ACCESS_EXCLUSIVE : LINT_LOCK_SHARE_UPDATE_EXCLUSIVE;
	if (rels && rels->type == JSON_ARRAY)
		for (size_t i = 0; i < rels->n; i++)
			add_rv(l, json_member(lint_node(&rels->items[i], "VacuumRelation"), "relation"), m,
			       LINT_REL_TABLE);
}

static void comment_stmt(struct lint_locks *l, const struct json_value *n)
{
	const char *t = lint_str(n, "objtype");
	if (t && strcmp(t, "OBJECT_TABLE") == 0)
		add_list(l, json_member(n, "object"), 0, LINT_LOCK_SHARE_UPDATE_EXCLUSIVE, LINT_REL_TABLE);
	else if (t && strcmp(t, "OBJECT_COLUMN") == 0)
		add_list(l, json_member(n, "object"), 1, LINT_LOCK_SHARE_UPDATE_EXCLUSIVE, LINT_REL_TABLE);
}

static void rename_stmt(struct lint_locks *l, const struct json_value *n)
{
	const char *t = lint_str(n, "renameType");
	if (!t)
		return;
	if (strcmp(t, "OBJECT_INDEX") == 0)
		add_rv(l, json_member(n, "relation"), LINT_LOCK_SHARE_UPDATE_EXCLUSIVE, LINT_REL_INDEX);
	else if (strcmp(t, "OBJECT_TABLE") == 0 || strcmp(t, "OBJECT_COLUMN") == 0 ||
		 strcmp(t, "OBJECT_TABCONSTRAINT") == 0 || strcmp(t, "OBJECT_VIEW") == 0 ||
		 strcmp(t, "OBJECT_MATVIEW") == 0 || strcmp(t, "OBJECT_FOREIGN_TABLE") == 0 ||
		 strcmp(t, "OBJECT_TRIGGER") == 0 || strcmp(t, "OBJECT_POLICY") == 0 || strcmp(t, "OBJECT_RULE") == 0)
		add_rv(l, json_member(n, "relation"), LINT_LOCK_ACCESS_EXCLUSIVE, LINT_REL_TABLE);
}

/* The data-modifying queries of a WITH clause lock their targets too. */
static void with_clause(struct lint_locks *l, const struct json_value *n)
{
	const struct json_value *ctes = json_member(lint_node(json_member(n, "withClause"), "WithClause"), "ctes");
	if (!ctes)
		ctes = json_member(json_member(n, "withClause"), "ctes");
	if (!ctes || ctes->type != JSON_ARRAY)
		return;
	for (size_t i = 0; i < ctes->n; i++) {
		const struct json_value *q = json_member(lint_node(&ctes->items[i], "CommonTableExpr"), "ctequery");
		const char *type = lint_node_type(q);
		if (type) {
			struct lint_locks sub = {0, NULL};
			lint_locks_of(type, lint_node(q, type), &sub);
			for (size_t k = 0; k < sub.n; k++) {
				add_name(l, sub.items[k].name, sub.items[k].quoted, sub.items[k].mode, sub.items[k].kind,
					 sub.items[k].at);
				sub.items[k].name = NULL;
				sub.items[k].quoted = NULL;
			}
			free(sub.items);
		}
	}
}

static int is(const char *type, const char *name)
{
	return strcmp(type, name) == 0;
}

void lint_locks_of(const char *type, const struct json_value *n, struct lint_locks *out)
{
	*out = (struct lint_locks){0, NULL};
	if (!type || !n)
		return;
	const struct json_value *rel = json_member(n, "relation");
	if (is(type, "AlterTableStmt"))
		alter_table(out, n);
	else if (is(type, "IndexStmt"))
		add_rv(out, rel, lint_true(n, "concurrent") ? LINT_LOCK_SHARE_UPDATE_EXCLUSIVE : LINT_LOCK_SHARE,
		       LINT_REL_TABLE);
	else if (is(type, "DropStmt"))
		drop_stmt(out, n);
	else if (is(type, "TruncateStmt"))
		add_rv_list(out, json_member(n, "relations"), LINT_LOCK_ACCESS_EXCLUSIVE);
	else if (is(type, "LockStmt"))
		add_rv_list(out, json_member(n, "relations"), (enum lint_lock_mode)lint_int(n, "mode", 8));
	else if (is(type, "VacuumStmt"))
		vacuum_stmt(out, n);
	else if (is(type, "ClusterStmt"))
		add_rv(out, rel, LINT_LOCK_ACCESS_EXCLUSIVE, LINT_REL_TABLE);
	else if (is(type, "ReindexStmt"))
		reindex_stmt(out, n);
	else if (is(type, "RefreshMatViewStmt"))
		add_rv(out, rel, lint_true(n, "concurrent") ? LINT_LOCK_EXCLUSIVE : LINT_LOCK_ACCESS_EXCLUSIVE,
		       LINT_REL_TABLE);
	else if (is(type, "CreateTrigStmt"))
		add_rv(out, rel, LINT_LOCK_SHARE_ROW_EXCLUSIVE, LINT_REL_TABLE);
	else if (is(type, "RuleStmt"))
		add_rv(out, rel, LINT_LOCK_ACCESS_EXCLUSIVE, LINT_REL_TABLE);
	else if (is(type, "CreatePolicyStmt") || is(type, "AlterPolicyStmt"))
		add_rv(out, json_member(n, "table"), LINT_LOCK_ACCESS_EXCLUSIVE, LINT_REL_TABLE);
	else if (is(type, "CreateStatsStmt"))
		add_rv_list(out, json_member(n, "relations"), LINT_LOCK_SHARE_UPDATE_EXCLUSIVE);
	else if (is(type, "CommentStmt"))
		comment_stmt(out, n);
	else if (is(type, "RenameStmt"))
		rename_stmt(out, n);
	else if (is(type, "AlterObjectSchemaStmt") && rel)
		add_rv(out, rel, LINT_LOCK_ACCESS_EXCLUSIVE, LINT_REL_TABLE);
	else if (is(type, "CreateStmt"))
		create_stmt(out, n);
	else if (is(type, "CopyStmt") && rel)
		add_rv(out, rel, lint_true(n, "is_from") ? LINT_LOCK_ROW_EXCLUSIVE : LINT_LOCK_ACCESS_SHARE,
		       LINT_REL_TABLE);
	if (is(type, "UpdateStmt") || is(type, "DeleteStmt") || is(type, "InsertStmt") || is(type, "MergeStmt")) {
		add_rv(out, rel, LINT_LOCK_ROW_EXCLUSIVE, LINT_REL_TABLE);
		with_clause(out, n);
	} else if (is(type, "SelectStmt")) {
		with_clause(out, n);
	}
}
