/* stmt.c: statements classified by their tokens (see stmt.h). */
#include "stmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_word(const struct sql_token *k, const char *w)
{
	return sql_token_is(k, w);
}

static int is_char(const struct sql_token *k, char c)
{
	return k->kind == SQL_TOKEN_OTHER && k->n == 1 && k->s[0] == c;
}

/* The first words of a statement (any tokens, up to MAXW). */
#define MAXW 12
struct words {
	struct sql_token w[MAXW];
	int n;
};

static void first_words(const char *buf, const struct sql_stmt *st, struct words *ws)
{
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	ws->n = 0;
	while (ws->n < MAXW && sql_token_next(&t, &ws->w[ws->n]))
		ws->n++;
}

enum stmt_txn stmt_txn(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return STMT_TXN_NONE;
	struct words ws;
	first_words(buf, st, &ws);
	if (ws.n == 0)
		return STMT_TXN_NONE;
	const struct sql_token *w = ws.w;
	/* the word after an optional WORK or TRANSACTION */
	const struct sql_token *after = ws.n > 1 && (is_word(&w[1], "work") || is_word(&w[1], "transaction"))
				     ? (ws.n > 2 ? &w[2] : NULL)
				     : (ws.n > 1 ? &w[1] : NULL);
	if (is_word(&w[0], "begin"))
		return after && is_word(after, "atomic") ? STMT_TXN_NONE : STMT_TXN_BEGIN;
	if (is_word(&w[0], "start"))
		return ws.n > 1 && is_word(&w[1], "transaction") ? STMT_TXN_BEGIN : STMT_TXN_NONE;
	if (is_word(&w[0], "commit"))
		return ws.n > 1 && is_word(&w[1], "prepared") ? STMT_TXN_OTHER : STMT_TXN_COMMIT;
	if (is_word(&w[0], "end"))
		return STMT_TXN_COMMIT;
	if (is_word(&w[0], "rollback")) {
		if (ws.n > 1 && is_word(&w[1], "prepared"))
			return STMT_TXN_OTHER;
		if (after && is_word(after, "to"))
			return STMT_TXN_OTHER;
		return STMT_TXN_ROLLBACK;
	}
	if (is_word(&w[0], "abort"))
		return STMT_TXN_ROLLBACK;
	if (is_word(&w[0], "savepoint") || is_word(&w[0], "release"))
		return STMT_TXN_OTHER;
	if (is_word(&w[0], "prepare") && ws.n > 1 && is_word(&w[1], "transaction"))
		return STMT_TXN_OTHER;
	return STMT_TXN_NONE;
}

/* IF [NOT] EXISTS within the first `within` words after w[from]. */
static int has_if_exists(const struct words *ws, int from, int within, int not)
{
	for (int k = from; k < ws->n && k <= from + within; k++) {
		if (ws->w[k].kind != SQL_TOKEN_WORD)
			return 0;
		if (is_word(&ws->w[k], "if")) {
			if (not)
				return k + 2 < ws->n && is_word(&ws->w[k + 1], "not") && is_word(&ws->w[k + 2], "exists");
			return k + 1 < ws->n && is_word(&ws->w[k + 1], "exists");
		}
	}
	return 0;
}

static struct sql_token next(struct sql_tokens *t)
{
	struct sql_token k;
	sql_token_next(t, &k);
	return k;
}

/* ALTER TABLE: every action at depth 0 is ADD [COLUMN] IF NOT EXISTS or DROP [COLUMN] IF EXISTS. */
static int alter_table_idempotent(const char *buf, const struct sql_stmt *st)
{
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	next(&t); /* ALTER */
	next(&t); /* TABLE */
	struct sql_token k;
	/* skip IF EXISTS, ONLY and the name up to the first action */
	do {
		k = next(&t);
	} while (k.kind != SQL_TOKEN_END && !((is_word(&k, "add") || is_word(&k, "drop")) && k.depth == 0));
	if (k.kind == SQL_TOKEN_END)
		return 0;
	for (;;) {
		int add = is_word(&k, "add");
		if (!add && !is_word(&k, "drop"))
			return 0;
		k = next(&t);
		if (is_word(&k, "column"))
			k = next(&t);
		if (!is_word(&k, "if"))
			return 0;
		if (add) {
			k = next(&t);
			if (!is_word(&k, "not"))
				return 0;
		}
		k = next(&t);
		if (!is_word(&k, "exists"))
			return 0;
		/* on to the next action after a comma at depth 0, or the end */
		do {
			k = next(&t);
		} while (k.kind != SQL_TOKEN_END && !(is_char(&k, ',') && k.depth == 0) && !(is_char(&k, ';') && k.depth == 0));
		if (k.kind == SQL_TOKEN_END || k.s[0] == ';')
			return 1;
		k = next(&t);
	}
}

/* a word at the statement's top level */
static int has_top_word(const char *buf, const struct sql_stmt *st, const char *w)
{
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	for (struct sql_token k = next(&t); k.kind != SQL_TOKEN_END; k = next(&t))
		if (k.depth == 0 && is_word(&k, w))
			return 1;
	return 0;
}

int stmt_is_idempotent(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct words ws;
	first_words(buf, st, &ws);
	if (ws.n == 0)
		return 0;
	const struct sql_token *w = ws.w;
	if (is_word(&w[0], "create")) {
		if (ws.n > 2 && is_word(&w[1], "or") && is_word(&w[2], "replace"))
			return 1;
		return has_if_exists(&ws, 1, 5, 1);
	}
	if (is_word(&w[0], "drop"))
		return has_if_exists(&ws, 1, 5, 0);
	if (is_word(&w[0], "alter") && ws.n > 1) {
		if (is_word(&w[1], "table"))
			return alter_table_idempotent(buf, st);
		if (is_word(&w[1], "type")) {
			/* ALTER TYPE name ADD VALUE IF NOT EXISTS: the name may be qualified */
			for (int k = 2; k + 4 < ws.n; k++)
				if (is_word(&w[k], "add") && is_word(&w[k + 1], "value"))
					return is_word(&w[k + 2], "if") && is_word(&w[k + 3], "not") &&
					       is_word(&w[k + 4], "exists");
		}
		return 0;
	}
	if (is_word(&w[0], "vacuum") || is_word(&w[0], "analyze") || is_word(&w[0], "analyse") ||
	    is_word(&w[0], "reindex") || is_word(&w[0], "set") || is_word(&w[0], "reset") || is_word(&w[0], "grant") ||
	    is_word(&w[0], "revoke"))
		return 1;
	if (is_word(&w[0], "comment"))
		return ws.n > 1 && is_word(&w[1], "on");
	if (is_word(&w[0], "refresh"))
		return ws.n > 2 && is_word(&w[1], "materialized") && is_word(&w[2], "view");
	if (is_word(&w[0], "select"))
		return !has_top_word(buf, st, "into"); /* SELECT ... INTO creates a table */
	return 0;
}

static int is_psql_semicolon(const struct sql_token *k)
{
	return k->kind == SQL_TOKEN_OTHER && k->n == 2 && k->s[0] == '\\' && k->s[1] == ';';
}

/*
 * One command of the statement, from *k (its first token) up to psql's "\;"
 * or the end, which *k is left at: 1 when it is COPY ... <dir> <target> at
 * top level (target2, when not NULL, counts too).
 */
static int copy_part(struct sql_tokens *t, struct sql_token *k, const char *dir, const char *target,
		     const char *target2)
{
	int copy = is_word(k, "copy"), found = 0, after = 0;
	for (*k = next(t); k->kind != SQL_TOKEN_END && !is_psql_semicolon(k); *k = next(t)) {
		if (k->depth != 0)
			continue;
		if (after && (is_word(k, target) || (target2 && is_word(k, target2))))
			found = 1;
		after = is_word(k, dir);
	}
	return copy && found;
}

/* How many of the statement's commands (one, or several joined by psql's "\;") are COPY <dir> <target>. */
static int copy_count(const char *buf, const struct sql_stmt *st, const char *dir, const char *target,
		      const char *target2)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	int n = 0;
	struct sql_token k = next(&t);
	while (k.kind != SQL_TOKEN_END) {
		if (is_psql_semicolon(&k)) {
			k = next(&t);
			continue;
		}
		n += copy_part(&t, &k, dir, target, target2);
	}
	return n;
}

/* The grammar takes STDIN and STDOUT alike after FROM: both read data from the client. */
int stmt_copy_in_count(const char *buf, const struct sql_stmt *st)
{
	return copy_count(buf, st, "from", "stdin", "stdout");
}

int stmt_is_copy_from_stdin(const char *buf, const struct sql_stmt *st)
{
	return stmt_copy_in_count(buf, st) > 0;
}

int stmt_is_copy_to_stdout(const char *buf, const struct sql_stmt *st)
{
	return copy_count(buf, st, "to", "stdout", NULL) > 0;
}

int stmt_is_two_phase(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	struct sql_token first = next(&t), second = next(&t);
	return (is_word(&first, "prepare") && is_word(&second, "transaction")) ||
	       ((is_word(&first, "commit") || is_word(&first, "rollback")) && is_word(&second, "prepared"));
}

/* REINDEX (option, ...): CONCURRENTLY [boolean] among the options of the list right after the word */
static int reindex_option_concurrently(const char *buf, const struct sql_stmt *st)
{
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	struct sql_token k = next(&t);
	if (!is_word(&k, "reindex"))
		return 0;
	k = next(&t);
	if (!is_char(&k, '('))
		return 0;
	for (k = next(&t); k.kind != SQL_TOKEN_END && !(is_char(&k, ')') && k.depth == 1); k = next(&t))
		if (k.depth == 1 && is_word(&k, "concurrently"))
			return 1;
	return 0;
}

int stmt_is_concurrent(const char *buf, const struct sql_stmt *st)
{
	return st->kind == SQL_STMT_SQL &&
	       (has_top_word(buf, st, "concurrently") || reindex_option_concurrently(buf, st));
}

/* ---- what can release a session lock, what can share a block ------------ */

/* The token names the function w: the word, any case, or the quoted identifier exactly. */
static int names(const struct sql_token *k, const char *w)
{
	size_t n = strlen(w);
	if (k->kind == SQL_TOKEN_WORD)
		return is_word(k, w);
	return k->kind == SQL_TOKEN_IDENT && k->n == n + 2 && k->s[0] == '"' && memcmp(k->s + 1, w, n) == 0 &&
	       k->s[n + 1] == '"';
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* s[0..n), blanks trimmed, is an integer literal whose value is not key */
static int literal_other_than(const char *s, size_t n, long long key)
{
	while (n && blank(*s))
		s++, n--;
	while (n && blank(s[n - 1]))
		n--;
	char num[32];
	if (n == 0 || n >= sizeof(num))
		return 0;
	memcpy(num, s, n);
	num[n] = '\0';
	size_t k = num[0] == '-' || num[0] == '+';
	if (!num[k])
		return 0;
	for (size_t j = k; j < n; j++)
		if (num[j] < '0' || num[j] > '9')
			return 0;
	errno = 0;
	long long v = strtoll(num, NULL, 10);
	return errno == 0 && v != key;
}

/* After "name(" (open): 1 when the call has two arguments, or one that is an integer literal other than key. */
static int unlock_call_harmless(struct sql_tokens *t, const struct sql_token *open, long long key)
{
	long depth = open->depth + 1;
	int commas = 0;
	const char *arg = open->s + 1;
	for (struct sql_token k = next(t); k.kind != SQL_TOKEN_END; k = next(t)) {
		if (k.depth == depth && is_char(&k, ','))
			commas++;
		if (k.depth == depth && is_char(&k, ')'))
			return commas == 1 || (commas == 0 && literal_other_than(arg, (size_t)(k.s - arg), key));
	}
	return 0;
}

enum stmt_unlock stmt_unlocks(const char *buf, const struct sql_stmt *st, long long key, size_t *at)
{
	if (st->kind != SQL_STMT_SQL)
		return STMT_UNLOCK_NONE;
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	struct sql_token k = next(&t);
	*at = k.kind != SQL_TOKEN_END ? (size_t)(k.s - buf) : st->start;
	if (is_word(&k, "discard")) {
		struct sql_token what = next(&t);
		if (!(is_word(&what, "temp") || is_word(&what, "temporary") || is_word(&what, "plans") ||
		      is_word(&what, "sequences")))
			return STMT_UNLOCK_DISCARD;
	}
	for (; k.kind != SQL_TOKEN_END; k = next(&t)) {
		int all = names(&k, "pg_advisory_unlock_all");
		int one = names(&k, "pg_advisory_unlock") || names(&k, "pg_advisory_unlock_shared");
		if (!all && !one)
			continue;
		*at = (size_t)(k.s - buf);
		struct sql_tokens peek = t;
		struct sql_token open = next(&peek);
		if (!is_char(&open, '('))
			continue; /* a column or another object of that name, not a call */
		if (all)
			return STMT_UNLOCK_ALL;
		t = peek;
		if (!unlock_call_harmless(&t, &open, key))
			return STMT_UNLOCK_KEY;
	}
	return STMT_UNLOCK_NONE;
}

int stmt_sets_session(const char *buf, const struct sql_stmt *st)
{
	if (st->kind != SQL_STMT_SQL)
		return 0;
	struct sql_tokens t;
	sql_tokens_init(&t, buf, st);
	struct sql_token k = next(&t);
	if (is_word(&k, "set") || is_word(&k, "reset") || is_word(&k, "discard"))
		return 1;
	for (; k.kind != SQL_TOKEN_END; k = next(&t))
		if (names(&k, "set_config"))
			return 1;
	return 0;
}

int stmt_fits_block(const char *buf, const struct sql_stmt *st)
{
	static const char *const fits[] = {"select", "insert", "update", "delete", "merge", "with", "values",
					   "table", "copy", "truncate", "comment", "grant", "revoke", "analyze",
					   "analyse", "set", "reset", "create", "alter", "drop", "refresh",
					   "security", NULL};
	/* the objects whose CREATE, ALTER or DROP refuses a transaction block (or may, by version or options) */
	static const char *const alone[] = {"database", "tablespace", "subscription", "system", "type", NULL};
	if (st->kind != SQL_STMT_SQL || stmt_txn(buf, st) != STMT_TXN_NONE || has_top_word(buf, st, "concurrently"))
		return 0;
	struct words ws;
	first_words(buf, st, &ws);
	int ok = 0;
	for (int i = 0; ws.n > 0 && fits[i] && !ok; i++)
		ok = is_word(&ws.w[0], fits[i]);
	if (!ok)
		return 0;
	if (is_word(&ws.w[0], "create") || is_word(&ws.w[0], "alter") || is_word(&ws.w[0], "drop"))
		for (int i = 0; ws.n > 1 && alone[i]; i++)
			if (is_word(&ws.w[1], alone[i]))
				return 0;
	return 1;
}
