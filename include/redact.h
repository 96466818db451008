/*
 * redact.h: show connection strings without their passwords. Pure.
 */
#ifndef PGB_REDACT_H
#define PGB_REDACT_H

/*
 * Return a copy of a URL (postgres://user:pw@host/db?password=...) or a
 * keyword/value string (host=x password=y) with every password replaced by
 * "***". Unparseable input is returned as "***" entirely rather than risk a
 * leak. NULL gives "". The caller frees the result.
 */
char *redact_conninfo(const char *conninfo);

/*
 * The password conninfo carries, decoded (a URL's %-escapes, a keyword
 * string's quotes and backslashes), or NULL when it has none. When it is
 * given twice (user information and ?password=), the one libpq uses: the
 * last. The caller frees the result (and should wipe it).
 */
char *conninfo_password(const char *conninfo);

/*
 * Call fn for every secret in conninfo (password, sslpassword, and those
 * of a dbname that is itself a connection string), decoded and, when that
 * differs, as written, so both forms can be masked in logs
 * (log_add_secret). The strings passed to fn are freed after the call.
 */
typedef void conninfo_secret_fn(const char *secret, void *arg);
void conninfo_each_secret(const char *conninfo, conninfo_secret_fn *fn, void *arg);

/*
 * 1 when conninfo sets keyword kw ("application_name", "user" ...), else
 * 0. In a URL, the user information, host list, port and database name
 * count as "user", "password", "host", "port" and "dbname".
 */
int conninfo_has_keyword(const char *conninfo, const char *kw);

#endif
