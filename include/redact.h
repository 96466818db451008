/*
 * redact.h: show connection strings without their passwords. Pure.
 */
#ifndef PGB_REDACT_H
#define PGB_REDACT_H

/*
 * Return a copy of a URL (postgres://user:pw@host/db?password=...) or a
 * keyword/value string (host=x password=y) with every password replaced by
 * "***". Unparseable input is returned as "***" entirely rather than risk a
 * leak. The caller frees the result.
 */
char *redact_conninfo(const char *conninfo);

#endif
