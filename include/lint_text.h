/*
 * lint_text.h: the statement's own text, for the fixes the lint rules
 * write out (the user's constraint with " NOT VALID" appended, the user's
 * column definition without its REFERENCES clause). pg_query's tree gives
 * where a node starts ("location"), never where it ends: these find the end
 * with pgboot's token scanner (sqlsplit.h), so a ',' or ')' in a string, a
 * quoted name or a comment never ends a clause. Pure: borrows the text,
 * returns offsets into it or strings the caller frees.
 */
#ifndef PGB_LINT_TEXT_H
#define PGB_LINT_TEXT_H

#include <stddef.h>

#include "json_read.h"

#define LINT_NO_OFFSET ((size_t)-1)

/*
 * The end of the clause that starts at text[from]: the first ',' or ')' at
 * its own parenthesis level (an ALTER TABLE action, a column definition in
 * CREATE TABLE), or len; trailing blanks excluded.
 */
size_t lint_clause_end(const char *text, size_t len, size_t from);

/* The end of the (possibly qualified, possibly quoted) name at text[from]: app."Users" */
size_t lint_name_end(const char *text, size_t len, size_t from);

/* The offset of the first word w (lowercase) in text[from..to) at from's parenthesis level, or LINT_NO_OFFSET. */
size_t lint_word_at(const char *text, size_t to, size_t from, const char *w);

/* The offset just past the n-th token from text[from] (1: past the first), or len. */
size_t lint_skip_tokens(const char *text, size_t len, size_t from, int n);

/*
 * text[from..to) as one line (xmalloc'd): its tokens as written, each run
 * of blanks and comments between two of them one space, none around.
 */
char *lint_text_dup(const char *text, size_t from, size_t to);

/* name as an SQL identifier: as is when PostgreSQL reads it back unchanged unquoted, else "quoted" (xmalloc'd). */
char *lint_quote_ident(const char *name);

/* A list of {"String":{"sval":...}}, each part quoted as needed, joined by sep: "a, \"B\"" (xmalloc'd); "" for none. */
char *lint_quote_list(const struct json_value *list, const char *sep);

struct lint_ctx;
/* The table of a RangeVar as the statement spells it (app."Users"), for a fix (xmalloc'd). */
char *lint_table_text(const struct lint_ctx *cx, const struct json_value *relation);

/*
 * The name PostgreSQL gives an unnamed constraint: rel, then the columns
 * of list (String nodes, all of them, or only the first when first_only),
 * then suffix, joined by '_' ("users_email_key", "orders_user_id_fkey",
 * "t_check"). Not truncated to 63 bytes. xmalloc'd.
 */
char *lint_default_name(const char *rel, const struct json_value *list, int first_only, const char *suffix);

#endif
