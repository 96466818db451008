/* json.c: JSON output helpers (see json.h). */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

void json_add_string(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_adds(sb, "null");
		return;
	}
	strbuf_addc(sb, '"');
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
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
		} else if ((n = utf8_decode(p, (size_t)(end - p), NULL)) == 0) {
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
