/*
 * json.h: the small JSON writer pgboot needs for logs and status --json.
 * Output only; pgboot never parses JSON.
 */
#ifndef PGB_JSON_H
#define PGB_JSON_H

#include "strbuf.h"

/* Append s as a quoted JSON string (escaping quotes, backslashes, control
 * bytes; each byte of what utf8.h calls invalid becomes U+FFFD). NULL
 * appends null. */
void json_add_string(struct strbuf *sb, const char *s);
/* Append "key": with the separating comma when sb does not end in '{' */
void json_add_key(struct strbuf *sb, const char *key);

#endif
