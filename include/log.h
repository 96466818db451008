/*
 * log.h: the one module that writes messages. Everything goes to stderr
 * (stdout belongs to the app after the exec, and to reports such as status);
 * text is one line per event prefixed "pgboot: ", JSON is one object per
 * line with ts, level, event, msg and the event's fields. Colour only on a
 * TTY without NO_COLOR. Text output escapes the control characters of
 * text that comes from outside (server messages, file names). Every echo of
 * a registered connection string is redacted in each such piece of text,
 * before it is escaped, as a last line of defence for passwords (redact.h
 * says where passwords are masked, and why never as words).
 */
#ifndef PGB_LOG_H
#define PGB_LOG_H

#include "error.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR, LOG_QUIET };
enum log_format { LOG_TEXT, LOG_JSON };

enum log_field_kind { LF_KIND_END, LF_KIND_STR, LF_KIND_INT, LF_KIND_JSON };
struct log_field {
	const char *key;
	enum log_field_kind kind;
	const char *str;
	long long num;
};
#define LF_STR(k, v) ((struct log_field){(k), LF_KIND_STR, (v), 0})
#define LF_INT(k, v) ((struct log_field){(k), LF_KIND_INT, NULL, (long long)(v)})
/* a JSON value pgboot built (json.h), written as it is (masked); NULL leaves the field out */
#define LF_JSON(k, v) ((struct log_field){(k), LF_KIND_JSON, (v), 0})
#define LF_END ((struct log_field){NULL, LF_KIND_END, NULL, 0})
/* LOG_FIELDS(LF_STR("version", v), LF_INT("ms", ms)) builds the field list */
#define LOG_FIELDS(...) ((const struct log_field[]){__VA_ARGS__, LF_END})

/* color: 1 on, 0 off, -1 decide from isatty(2) and NO_COLOR */
void log_setup(enum log_format format, enum log_level min_level, int color);
/* The format log_setup chose. */
enum log_format log_get_format(void);
/*
 * Remember a connection string (copied; NULL or "" is ignored): every later
 * line has each echo of it replaced by its redaction (redact.h's rule 2).
 */
void log_add_conninfo(const char *conninfo);
/* Wipe and forget them (before the exec). */
void log_forget_secrets(void);
/* s with every registered connection string's echo redacted; the caller frees. */
char *log_mask(const char *s);

/* One event. fields may be NULL. The message is printf-style, PostgreSQL style. */
void log_event(enum log_level level, const char *event, const struct log_field *fields,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Shorthands for events with no extra fields. */
#define log_info(event, ...) log_event(LOG_INFO, (event), NULL, __VA_ARGS__)
#define log_warning(event, ...) log_event(LOG_WARNING, (event), NULL, __VA_ARGS__)
#define log_debug(event, ...) log_event(LOG_DEBUG, (event), NULL, __VA_ARGS__)

/*
 * Report an error value: the primary line with its locus
 * ("pgboot: migrations/0007_users.sql:12:5: error: ..."), then the excerpt,
 * detail, hint and context lines; in JSON one object with every part.
 */
void log_error(const struct pgb_error *err);

#endif
