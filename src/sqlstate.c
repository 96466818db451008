/* sqlstate.c: SQLSTATE classification (see sqlstate.h). */
#include "sqlstate.h"

#include <string.h>

enum sqlstate_class sqlstate_classify(const char *s)
{
	if (!s || !*s)
		return SQLSTATE_NONE;
	if (!strcmp(s, "57P03") || !strcmp(s, "53300") || !strncmp(s, "08", 2))
		return SQLSTATE_TRANSIENT;
	if (!strcmp(s, "28P01") || !strcmp(s, "28000"))
		return SQLSTATE_AUTH;
	if (!strcmp(s, "42501"))
		return SQLSTATE_PERMISSION;
	if (!strcmp(s, "3D000"))
		return SQLSTATE_NO_DATABASE;
	if (!strcmp(s, "55P03"))
		return SQLSTATE_LOCK_NOT_AVAILABLE;
	if (!strcmp(s, "57014"))
		return SQLSTATE_CANCELED;
	if (!strcmp(s, "57P01") || !strcmp(s, "57P02"))
		return SQLSTATE_TERMINATED;
	if (!strcmp(s, "42P01"))
		return SQLSTATE_UNDEFINED_TABLE;
	if (!strcmp(s, "3F000"))
		return SQLSTATE_UNDEFINED_SCHEMA;
	if (!strncmp(s, "42", 2))
		return SQLSTATE_SYNTAX_OR_ACCESS;
	if (!strncmp(s, "53", 2) || !strncmp(s, "58", 2) || !strncmp(s, "XX", 2))
		return SQLSTATE_SERVER_TROUBLE;
	return SQLSTATE_OTHER;
}
