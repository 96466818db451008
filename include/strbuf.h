/*
 * strbuf.h: a growable, always NUL-terminated byte buffer (git's strbuf).
 * Owns its bytes; strbuf_free releases them, strbuf_detach hands them over.
 */
#ifndef PGB_STRBUF_H
#define PGB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* never NULL after strbuf_init */
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* the caller owns the returned string; sb is left empty and reusable */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Append s, cut after at most max bytes (never inside a UTF-8 character) with
 * " ...(N more bytes)" saying how much was left out: for values echoed in
 * messages, so that one log line stays well under what log pipelines keep.
 */
void strbuf_add_cut(struct strbuf *sb, const char *s, size_t max);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

#endif
