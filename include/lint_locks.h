/*
 * lint_locks.h: the lock model of the lint rules. For one statement's parse
 * tree, the relations it locks and the mode of each, by PostgreSQL 15's
 * rules (the manual's "Explicit Locking" page and ALTER TABLE's lock level
 * per subcommand, AlterTableGetLockLevel in tablecmds.c). Pure: reads the
 * tree (json_read.h values as lint.h hands them to a rule), allocates the
 * list it returns.
 *
 * What it knows: the relations the statement names. What it cannot know
 * from the text alone: the tables behind a schema (DROP SCHEMA), an index's
 * table (DROP INDEX, REINDEX INDEX lock the table too), the tables a
 * CASCADE reaches, the other side of a dropped table's foreign keys, and
 * the ACCESS SHARE locks of the tables a statement only reads (not listed).
 */
#ifndef PGB_LINT_LOCKS_H
#define PGB_LINT_LOCKS_H

#include <stddef.h>

#include "json_read.h"

/* The table-level lock modes, strongest last; the numbers are PostgreSQL's (LockStmt.mode). */
enum lint_lock_mode {
	LINT_LOCK_NONE = 0,
	LINT_LOCK_ACCESS_SHARE = 1,
	LINT_LOCK_ROW_SHARE = 2,
	LINT_LOCK_ROW_EXCLUSIVE = 3,
	LINT_LOCK_SHARE_UPDATE_EXCLUSIVE = 4,
	LINT_LOCK_SHARE = 5,
	LINT_LOCK_SHARE_ROW_EXCLUSIVE = 6,
	LINT_LOCK_EXCLUSIVE = 7,
	LINT_LOCK_ACCESS_EXCLUSIVE = 8
};

/* What a locked name is. */
enum lint_rel_kind {
	LINT_REL_TABLE,   /* a table, view, materialized view or foreign table */
	LINT_REL_INDEX,   /* an index: its table is locked too, but only the database knows which */
	LINT_REL_SCHEMA   /* a schema: every relation in it (DROP SCHEMA) */
};

struct lint_lock {
	char *name;                    /* as lint_rangevar spells it: "app.messages", "messages" */
	char *quoted;                  /* quoted where it must be, for SQL: app."Messages" */
	enum lint_lock_mode mode;      /* the strongest the statement takes on it */
	enum lint_rel_kind kind;
	const struct json_value *at;   /* the RangeVar (a "location" member), or NULL (DropStmt names have none) */
};

struct lint_locks {
	size_t n;
	struct lint_lock *items;       /* in the order the statement names them, each name once */
};

/* "ACCESS EXCLUSIVE", "SHARE" ...; NULL for LINT_LOCK_NONE. */
const char *lint_lock_name(enum lint_lock_mode mode);

/*
 * The locks statement node (of type type, as lint.h's check gets them)
 * takes, including those of data-modifying WITH queries; *out is
 * initialised here and freed with lint_locks_free. A statement that locks
 * no relation gives n == 0.
 */
void lint_locks_of(const char *type, const struct json_value *node, struct lint_locks *out);
void lint_locks_free(struct lint_locks *l);

/* The entry for name, or NULL. */
const struct lint_lock *lint_locks_find(const struct lint_locks *l, const char *name);

/* 1 when a DefElem list (VACUUM's options, REINDEX's params) sets option name to true ("full", "concurrently"). */
int lint_option(const struct json_value *list, const char *name);

/* The strongest mode the statement takes on any relation. */
enum lint_lock_mode lint_locks_max(const struct lint_locks *l);

#endif
