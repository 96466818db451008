/*
 * xmem.h: allocators that end the process on out-of-memory (exit 70), the
 * one place besides main and exec allowed to end the process. Everything
 * returned is owned by the caller and released with free().
 */
#ifndef PGB_XMEM_H
#define PGB_XMEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
