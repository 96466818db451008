/* test_utf8.c: utf8.h, and the JSON writer's UTF-8 (the same definition as the file check). */
#include <stdlib.h>

#include "check.h"
#include "json.h"
#include "migfile.h"
#include "strbuf.h"
#include "utf8.h"

struct seq_case {
	const char *bytes;
	size_t len;     /* the decoded sequence's length; 0: invalid */
	uint32_t cp;    /* U+FFFD when invalid */
};

static const struct seq_case seqs[] = {
	{"A", 1, 0x41},
	{"\xC2\x80", 2, 0x80},
	{"\xDF\xBF", 2, 0x7FF},
	{"\xE0\xA0\x80", 3, 0x800},
	{"\xE2\x82\xAC", 3, 0x20AC},
	{"\xED\x9F\xBF", 3, 0xD7FF},
	{"\xEE\x80\x80", 3, 0xE000},
	{"\xF0\x90\x80\x80", 4, 0x10000},
	{"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
	{"\xC0\xAF", 0, 0xFFFD},         /* overlong '/' */
	{"\xC1\xBF", 0, 0xFFFD},         /* overlong */
	{"\xE0\x80\xAF", 0, 0xFFFD},     /* overlong, 3 bytes */
	{"\xF0\x80\x80\xAF", 0, 0xFFFD}, /* overlong, 4 bytes */
	{"\xED\xA0\x80", 0, 0xFFFD},     /* U+D800, a surrogate */
	{"\xED\xBF\xBF", 0, 0xFFFD},     /* U+DFFF */
	{"\xF4\x90\x80\x80", 0, 0xFFFD}, /* U+110000 */
	{"\xF5\x80\x80\x80", 0, 0xFFFD},
	{"\x80", 0, 0xFFFD},             /* a lone continuation byte */
	{"\xE2\x82", 0, 0xFFFD},         /* cut short */
	{"\xE2\x28\xA1", 0, 0xFFFD},     /* a bad continuation byte */
};

TEST(utf8_decode_table)
{
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint32_t cp = 0;
		size_t n = utf8_decode((const unsigned char *)seqs[i].bytes, strlen(seqs[i].bytes), &cp);
		if (n != seqs[i].len || cp != seqs[i].cp)
			fprintf(stderr, "  case %zu\n", i);
		CHECK_INT(n, seqs[i].len);
		CHECK_INT(cp, seqs[i].cp);
		CHECK_INT(utf8_valid(seqs[i].bytes, strlen(seqs[i].bytes)), seqs[i].len != 0);
	}
}

TEST(utf8_count_and_bom)
{
	CHECK_INT(utf8_count("", 0), 0);
	CHECK_INT(utf8_count("h\xC3\xA9llo \xE2\x82\xAC", 10), 7);
	/* each byte of an invalid sequence is one character */
	CHECK_INT(utf8_count("a\xED\xA0\x80z", 5), 5);
	CHECK_INT(utf8_bom("\xEF\xBB\xBFSELECT", 9), 3);
	CHECK_INT(utf8_bom("\xEF\xBB", 2), 0);
	CHECK_INT(utf8_bom("SELECT", 6), 0);
	CHECK_INT(utf8_valid("ok \xC3\xA9", 5), 1);
	CHECK_INT(utf8_valid("\xC3", 1), 0);
}

static char *json_of(const char *s)
{
	struct strbuf sb;
	strbuf_init(&sb);
	json_add_string(&sb, s);
	return strbuf_detach(&sb);
}

/* What the file check refuses, the JSON writer does not pass through as if it were text. */
TEST(utf8_json_refuses_what_the_file_check_refuses)
{
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		char *j = json_of(seqs[i].bytes);
		struct pgb_error err;
		pgb_error_init(&err);
		int name_ok = migfile_validate_name(seqs[i].bytes, &err) == 0;
		pgb_error_free(&err);
		CHECK_INT(name_ok, seqs[i].len != 0);
		if (seqs[i].len)
			CHECK_INT(strstr(j, "\\ufffd") == NULL, 1);
		else
			CHECK_CONTAINS(j, "\\ufffd");
		free(j);
	}
	char *j = json_of("a\xED\xA0\x80z");
	CHECK_STR(j, "\"a\\ufffd\\ufffd\\ufffdz\"");
	free(j);
	j = json_of("\xC0\xAF");
	CHECK_STR(j, "\"\\ufffd\\ufffd\"");
	free(j);
	j = json_of("caf\xC3\xA9 \"q\"\n");
	CHECK_STR(j, "\"caf\xC3\xA9 \\\"q\\\"\\n\"");
	free(j);
}
