/*
 * rules.h: the rules a file's statements must pass before anything of the
 * run is sent. One file per rule in src/rules/ (its id, its words, its
 * check and the examples its unit test runs), one table in
 * src/rules/rules.c that lists them in the order they are asked. Pure: no
 * I/O; a rule borrows the unit and reports through a caller-owned
 * struct pgb_error.
 *
 * Adding a rule: src/rules/<id>.c defining `const struct rule rule_<id>`,
 * and one X(<id>) line in rules.c's table. tests/unit/test_rules.c runs its
 * examples.
 */
#ifndef PGB_RULES_H
#define PGB_RULES_H

#include "error.h"
#include "sqlsplit.h"

/* What the file is and how it will be sent. */
enum rule_flags {
	RULE_NO_TRANSACTION = 1 << 0,  /* the file asks for no transaction (a directive) */
	RULE_ATOMIC = 1 << 1,          /* it is sent as one transaction (one message, or wrapped) */
	RULE_ONE_TRANSACTION = 1 << 2, /* every file of the run must fit one transaction (--lock-mode transaction) */
	RULE_IDEMPOTENT = 1 << 3       /* the file says it is safe to run again ("-- pgboot:idempotent") */
};

/* One file as the rules see it. */
struct rule_unit {
	const char *path; /* for messages */
	const char *kind; /* "migration" or "seed" */
	const char *text; /* the up part, text[0..len) */
	size_t len;
	const struct sql_script *script; /* its statements, as the server will read them */
	unsigned flags;                  /* enum rule_flags */
	long long lock_key;              /* the migration lock's key */
	int rerun_done; /* > 0: a half-applied file that will run again from the start with its
			   first rerun_done statements committed before (SQL statements: the
			   meta-command lines pgboot skips are not counted) */
};

/* A statement rule's verdict: the byte offset at fault and the words, when not the rule's own. */
struct rule_hit {
	size_t at;
	const char *what;
	const char *hint;
};

/* An example a rule's unit test runs: sql with flags (and rerun_done) refused by the rule or not. */
struct rule_example {
	const char *sql;
	int refused;
	unsigned flags;
	int rerun_done;
};

struct rule {
	const char *id;
	/*
	 * A statement rule: 1 when st breaks it, with hit->at (preset to
	 * st->start) and optionally hit->what and hit->hint set; the run
	 * stops with 78: "<what> in "<path>" is not supported", at the
	 * offset's line and column, with the hint.
	 */
	int (*statement)(const struct rule_unit *u, const struct sql_stmt *st, struct rule_hit *hit);
	/* A file rule: 0, or -1 with err filled (its exit code, words and locus). */
	int (*file)(const struct rule_unit *u, struct pgb_error *err);
	const char *what; /* a statement rule's default words */
	const char *hint;
	const struct rule_example *examples; /* ended by one whose sql is NULL */
};

/* The table, in the order the rules are asked; ended by NULL. */
extern const struct rule *const rules[];

/* Ask one rule about the unit: 0, or -1 with err. */
int rule_check(const struct rule *r, const struct rule_unit *u, struct pgb_error *err);

/*
 * Ask every rule: the statement rules statement by statement (the first
 * statement at fault wins, then the first rule in the table), then the
 * file rules. 0, or -1 with err. After 0, every SQL_STMT_META statement of
 * the unit is one the meta-command rule lets through to be skipped (pg_dump's
 * \restrict and \unrestrict lines): the caller must not send it.
 */
int rules_check(const struct rule_unit *u, struct pgb_error *err);

#endif
