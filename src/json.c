/* json.c: JSON output helpers (see json.h). */
#include "json.h"

#include <stdio.h>

/* length of a valid UTF-8 sequence at s (1..4), or 0 when invalid */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	if ((s[0] & 0xE0) == 0xC0 && s[0] >= 0xC2)
		n = 2;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3;
	else if ((s[0] & 0xF8) == 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

void json_add_string(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_adds(sb, "null");
		return;
	}
	strbuf_addc(sb, '"');
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n;
		switch (*p) {
		case '"': strbuf_adds(sb, "\\\""); p++; continue;
		case '\\': strbuf_adds(sb, "\\\\"); p++; continue;
		case '\n': strbuf_adds(sb, "\\n"); p++; continue;
		case '\r': strbuf_adds(sb, "\\r"); p++; continue;
		case '\t': strbuf_adds(sb, "\\t"); p++; continue;
		default: break;
		}
		if (*p < 0x20) {
			strbuf_addf(sb, "\\u%04x", *p);
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			strbuf_adds(sb, "\\ufffd");
			p++;
		} else {
			strbuf_add(sb, p, n);
			p += n;
		}
	}
	strbuf_addc(sb, '"');
}

void json_add_key(struct strbuf *sb, const char *key)
{
	if (sb->len && sb->buf[sb->len - 1] != '{' && sb->buf[sb->len - 1] != '[')
		strbuf_addc(sb, ',');
	json_add_string(sb, key);
	strbuf_addc(sb, ':');
}
