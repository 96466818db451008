/* sql_fixture.h: the statements of a SQL text, for the unit tests of the lexer
 * (test_sqlsplit.c) and of the statement predicates (test_stmt.c). */
#ifndef PGBOOT_UNIT_SQL_FIXTURE_H
#define PGBOOT_UNIT_SQL_FIXTURE_H

#include <string.h>

#include "error.h"
#include "sqlsplit.h"

/* The n-th statement of sql (standard strings on); s is freed by the caller. */
static inline const struct sql_stmt *nth(const char *sql, size_t n,
                                         struct sql_script *s) {
  struct pgb_error err;
  pgb_error_init(&err);
  if (sql_split(sql, strlen(sql), NULL, s, &err) != 0 || n >= s->n) {
    pgb_error_free(&err);
    return NULL;
  }
  return &s->stmts[n];
}

#endif
