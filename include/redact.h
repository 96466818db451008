/*
 * redact.h: show connection strings, and libpq's messages about them,
 * without their passwords, other sessions' queries without their literals,
 * and forget passwords (secret_free). Pure.
 */
#ifndef PGB_REDACT_H
#define PGB_REDACT_H

#include <stddef.h>

/*
 * Return a copy of a URL (postgres://user:pw@host/db?password=...) or a
 * keyword/value string (host=x password=y) with every password replaced by
 * "***". Unparseable input is returned as "***" entirely rather than risk a
 * leak. NULL gives "". The caller frees the result.
 */
char *redact_conninfo(const char *conninfo);

/*
 * 1 when conninfo is a URL whose host part, as libpq splits it (the user
 * information ends at the first '@' before a '/'), holds another '@': a
 * password with an unencoded '@' ("postgres://u:correct:horse@battery@h/db").
 * libpq would take the password's tail for a host name and echo it in its
 * errors: pgboot refuses such a URL before connecting.
 */
int conninfo_url_host_has_at(const char *conninfo);

/*
 * How pgboot keeps passwords out of its output (the rule, in one place):
 *
 * A password is never looked for as a word. It is masked where the
 * structure of a connection string says it is, and nowhere else, so a
 * password that is a common word ("postgres") masks no other text:
 *
 *  1. pgboot shows a connection string only through redact_conninfo:
 *     every password and sslpassword value, and a dbname that is itself a
 *     connection string, become "***". In a URL the user information ends
 *     at the last '@', a superset of libpq's, so an unencoded '@', '/' or
 *     '?' in a password cannot leak (masking too much is the safe mistake).
 *  2. Text that echoes the whole connection string (libpq's URL parse
 *     errors quote it) has each echo replaced by its redaction
 *     (redact_echoes_of; log.c does it for every piece of text a line takes
 *     from outside, as a last defence).
 *  3. libpq's messages about a connection attempt (parse errors, failed
 *     connections) also quote pieces of the string: a quoted piece is
 *     masked when it is written in the string as a whole field (between
 *     the syntax's punctuation or spaces) overlapping a secret, and nowhere
 *     as a field outside the secrets (redact_echo). That catches the tail
 *     of a password libpq took for a host, port, query parameter or
 *     keyword ("password=correct horse" makes libpq refuse "horse"), while
 *     `database "postgres" does not exist` stays as it is when the
 *     database is named "postgres" too.
 *
 * Server messages after the connection (a migration's error, a check's
 * rows) and the lines of the files are not scanned: they do not come from
 * the connection string (a file that holds a password shows it itself).
 * PGPASSWORD, a service file's or a password file's password never reach
 * a message: libpq does not echo them.
 */

/*
 * Free a string that may hold a password (NULL is fine), its bytes up to
 * the NUL zeroed first with sodium_memzero (which the compiler cannot drop).
 */
void secret_free(char *s);

/* Rule 2: text with every echo of conninfo replaced by redact_conninfo(conninfo). The caller frees. */
char *redact_echoes_of(const char *conninfo, const char *text);

/* Rules 2 and 3, for libpq's messages about connecting with conninfo. The caller frees. */
char *redact_echo(const char *conninfo, const char *text);

/*
 * Another session's query text, for a log line: the contents of every string
 * literal ('...', E'...', $tag$...$tag$) masked as "***" (a password, a key
 * or a connection string given to a function is always a literal), then cut
 * at max_chars characters ("..." says so). The caller frees.
 */
char *redact_query_text(const char *sql, size_t max_chars);

#endif
