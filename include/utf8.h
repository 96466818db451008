/*
 * utf8.h: the one definition of valid UTF-8 (RFC 3629: no overlong form,
 * no surrogate, nothing above U+10FFFF) and of the byte-order mark, for the
 * file checks, the lexer's character positions and the JSON writer alike.
 * Pure: no allocation, no I/O.
 */
#ifndef PGB_UTF8_H
#define PGB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The sequence at s[0..n), n > 0: its length in bytes (1 to 4), or 0 when
 * it is not valid UTF-8 (an overlong form, a surrogate, above U+10FFFF, a
 * bad or missing continuation byte). *cp, unless NULL, gets the code point,
 * or U+FFFD when invalid.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 when s[0..n) is valid UTF-8 throughout, else 0. */
int utf8_valid(const char *s, size_t n);
/* The characters in s[0..n), each byte of an invalid sequence counting as one. */
size_t utf8_count(const char *s, size_t n);
/* 3 when buf[0..len) starts with the UTF-8 byte-order mark (EF BB BF), else 0. */
size_t utf8_bom(const char *buf, size_t len);

#endif
