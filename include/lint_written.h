/*
 * lint_written.h: names for the fixes the lint rules write out. A fix
 * repeats the user's own spelling of a relation ("app.\"Orders\"", as the
 * statement has it), or, where the tree holds no place (DROP TABLE's names),
 * the name quoted the way PostgreSQL's quote_ident would. Pure: reads the
 * statement text through lint.h, returns xmalloc'd strings.
 */
#ifndef PGB_LINT_WRITTEN_H
#define PGB_LINT_WRITTEN_H

#include "json_read.h"
#include "lint.h"
#include "lint_text.h"

/* A RangeVar's name as the current statement writes it ("s.\"T\""), or quoted from its parts. */
char *lint_written(const struct lint_ctx *cx, const struct json_value *rangevar);
/* schema (or NULL) "." name suffix, each quoted when it must be: ("app", "Orders", "_new") -> app."Orders_new". */
char *lint_quote_name(const char *schema, const char *name, const char *suffix);
/* The {"String":{"sval":...}} items of list, quoted and joined by '.', without the last drop_last; NULL if none. */
char *lint_quote_parts(const struct json_value *list, size_t drop_last);
/* s as one shell word: as it is when plain, else in single quotes (pg_repack --table='app."Orders"'). */
char *lint_shell_word(const char *s);
/* The end of the identifier (plain or "quoted") at s[i], or i when none starts there. */
size_t lint_ident_end(const char *s, size_t len, size_t i);

#endif
