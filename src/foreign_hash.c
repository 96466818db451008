/* foreign_hash.c: SHA-1 and Java's String.hashCode (see foreign_hash.h). */
#include "foreign_hash.h"

#include <string.h>

/* ---- SHA-1 (FIPS 180-4, section 6.1) ---- */

static uint32_t rol32(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
		       (uint32_t)p[4 * t + 3];
	for (int t = 16; t < 80; t++)
		w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int t = 0; t < 80; t++) {
		uint32_t f, k;
		if (t < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999u;
		} else if (t < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1u;
		} else if (t < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDCu;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6u;
		}
		uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void sha1_hex(const void *data, size_t len, char out[41])
{
	uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
	const unsigned char *p = data;
	size_t i = 0;
	for (; len - i >= 64; i += 64)
		sha1_block(h, p + i);
	/* the tail, the 0x80 byte, zeros, and the length in bits (big-endian) in one or two blocks */
	unsigned char tail[128] = {0};
	size_t rest = len - i;
	memcpy(tail, p + i, rest);
	tail[rest] = 0x80;
	size_t tlen = rest + 9 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int k = 0; k < 8; k++)
		tail[tlen - 1 - k] = (unsigned char)(bits >> (8 * k));
	for (size_t off = 0; off < tlen; off += 64)
		sha1_block(h, tail + off);
	static const char hex[] = "0123456789abcdef";
	for (int k = 0; k < 20; k++) {
		unsigned char byte = (unsigned char)(h[k / 4] >> (24 - 8 * (k % 4)));
		out[2 * k] = hex[byte >> 4];
		out[2 * k + 1] = hex[byte & 15];
	}
	out[40] = '\0';
}

/* ---- Java's String.hashCode ---- */

/* the next code point of s (advancing *i), U+FFFD for a byte that starts no valid sequence */
static uint32_t utf8_next(const unsigned char *s, size_t *i)
{
	unsigned char c = s[*i];
	int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
	if (n < 0) {
		(*i)++;
		return 0xFFFD;
	}
	uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1Fu) : n == 2 ? (c & 0x0Fu) : (c & 0x07u);
	for (int k = 1; k <= n; k++) {
		if ((s[*i + (size_t)k] & 0xC0) != 0x80) {
			*i += (size_t)k;
			return 0xFFFD;
		}
		cp = cp << 6 | (s[*i + (size_t)k] & 0x3Fu);
	}
	*i += (size_t)n + 1;
	return cp;
}

int32_t java_string_hash(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	uint32_t h = 0;
	for (size_t i = 0; s[i];) {
		uint32_t cp = utf8_next(s, &i);
		if (cp >= 0x10000) { /* a surrogate pair: two UTF-16 code units */
			cp -= 0x10000;
			h = 31 * h + (0xD800u + (cp >> 10));
			h = 31 * h + (0xDC00u + (cp & 0x3FFu));
		} else {
			h = 31 * h + cp;
		}
	}
	return (int32_t)h;
}
