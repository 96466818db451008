/* test_redact.c: redact_conninfo, redact_echo, redact_echoes_of. */
#include <stdlib.h>

#include "check.h"
#include "redact.h"

struct redact_case {
	const char *in;
	const char *out;
};

static const struct redact_case cases[] = {
	/* URLs */
	{"postgres://app:secret@db:5432/app", "postgres://app:***@db:5432/app"},
	{"postgresql://app:secret@db/app", "postgresql://app:***@db/app"},
	{"POSTGRES://app:secret@db/app", "POSTGRES://app:***@db/app"},
	{"postgres://app@db:5432/app", "postgres://app@db:5432/app"},
	{"postgres://db/app", "postgres://db/app"},
	{"postgres://", "postgres://"},
	{"postgresql:///app?host=/tmp", "postgresql:///app?host=/tmp"},
	{"postgres://app:@db/app", "postgres://app:@db/app"},
	{"postgres://app:p%40ss%2Fw%3Ford@db/app", "postgres://app:***@db/app"},
	{"postgres://app:pa%zzss@db/app", "postgres://app:***@db/app"},
	{"postgres://app@db/app?sslmode=require&password=qsecret",
	 "postgres://app@db/app?sslmode=require&password=***"},
	{"postgres://app:one@db/app?password=two&application_name=x",
	 "postgres://app:***@db/app?password=***&application_name=x"},
	{"postgres://db/app?pass%77ord=enc", "postgres://db/app?pass%77ord=***"},
	{"postgres://db/app?sslpassword=keypw&password=", "postgres://db/app?sslpassword=***&password="},
	{"postgres://app:secret@host1:5432,host2:5433/app?target_session_attrs=read-write",
	 "postgres://app:***@host1:5432,host2:5433/app?target_session_attrs=read-write"},
	{"postgres://app:secret@[::1]:5432/app", "postgres://app:***@[::1]:5432/app"},
	{"postgres://app:secret@[2001:db8::1],[::1]:5433/app",
	 "postgres://app:***@[2001:db8::1],[::1]:5433/app"},
	/* an unencoded '@', '/' or '?' in the password must not leak */
	{"postgres://app:p@ss/w?rd@db/app", "postgres://app:***@db/app"},
	/* keyword/value strings */
	{"host=db password=secret user=app", "host=db password=*** user=app"},
	{"password=secret", "password=***"},
	{"host=db password = 'sec ret' dbname=app", "host=db password = *** dbname=app"},
	{"password='it\\'s \\\\ here' host=db", "password=*** host=db"},
	{"password=back\\ slash host=db", "password=*** host=db"},
	{"  host=db\tpassword=tab\n", "  host=db\tpassword=***\n"},
	{"host=a,b target_session_attrs=read-write", "host=a,b target_session_attrs=read-write"},
	{"host=db user=password", "host=db user=password"},
	{"host=db passwordx=1 sslpassword=kp", "host=db passwordx=1 sslpassword=***"},
	{"host=db password='' user=app", "host=db password='' user=app"},
	{"dbname='postgres://u:nested@h/d' host=x", "dbname=*** host=x"},
	{"host=db dbname=app", "host=db dbname=app"},
	/* a bare database name has no password */
	{"appdb", "appdb"},
	{"", ""},
	/* unparseable: everything masked */
	{"host=db password='unterminated", "***"},
	{"host=db password", "***"},
	{"host db password=x", "***"},
};

TEST(redact_conninfo_table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = redact_conninfo(cases[i].in);
		if (strcmp(out, cases[i].out) != 0)
			fprintf(stderr, "  case %zu: \"%s\"\n", i, cases[i].in);
		CHECK_STR(out, cases[i].out);
		free(out);
	}
}

TEST(redact_null_input)
{
	char *out = redact_conninfo(NULL);
	CHECK_STR(out, "");
	free(out);
}

TEST(redact_url_host_with_at)
{
	CHECK_INT(conninfo_url_host_has_at("postgres://u:correct:horse@battery@host/db"), 1);
	CHECK_INT(conninfo_url_host_has_at("postgres://u:pw@a@b:5432/db"), 1);
	CHECK_INT(conninfo_url_host_has_at("postgres://u:pw@host/db"), 0);
	CHECK_INT(conninfo_url_host_has_at("postgres://u:p%40ss@host/db"), 0);
	/* an '@' in the path or query is not the host's */
	CHECK_INT(conninfo_url_host_has_at("postgres://u:pw@host/db?application_name=web@eu"), 0);
	CHECK_INT(conninfo_url_host_has_at("postgres://host/db?application_name=web@eu"), 0);
	CHECK_INT(conninfo_url_host_has_at("host=a@b password=x"), 0);
	CHECK_INT(conninfo_url_host_has_at(NULL), 0);
}

struct echo_case {
	const char *conninfo;
	const char *text;
	const char *want;
};

static const struct echo_case echoes[] = {
	/* a whole URL echoed by libpq's parser */
	{"postgres://u:pw@[::1/db", "IPv6 host address: \"postgres://u:pw@[::1/db\"",
	 "IPv6 host address: \"postgres://u:***@[::1/db\""},
	/* the tail of a password libpq took for a host */
	{"postgres://u:correct:horse@battery@host/db",
	 "could not translate host name \"battery@host\" to address: Name or service not known",
	 "could not translate host name \"***\" to address: Name or service not known"},
	/* ... for a port, and for a query parameter */
	{"postgres://u:p/ss@h/d", "invalid integer value \"p\" for connection option \"port\"",
	 "invalid integer value \"***\" for connection option \"port\""},
	{"postgres://app:p@ss/w?rd@db/app", "invalid URI query parameter: \"rd@db/app\"",
	 "invalid URI query parameter: \"***\""},
	/* a bad %-escape in the password, as written */
	{"postgres://u:pa%zzss@h/d", "invalid percent-encoded token: \"pa%zzss\"",
	 "invalid percent-encoded token: \"***\""},
	/* the words of an unquoted password with spaces */
	{"host=db password=correct horse battery user=u", "missing \"=\" after \"horse\" in connection info string",
	 "missing \"=\" after \"***\" in connection info string"},
	{"host=db password=correct horse=x", "invalid connection option \"horse\"",
	 "invalid connection option \"***\""},
	/* a common word as the password masks nothing else */
	{"postgres://postgres:postgres@h/postgres", "database \"postgres\" does not exist",
	 "database \"postgres\" does not exist"},
	{"host=h user=postgres password=postgres", "password authentication failed for user \"postgres\"",
	 "password authentication failed for user \"postgres\""},
	{"postgres://u:db@h/app", "role \"u\" does not exist; database \"app\"; a db word",
	 "role \"u\" does not exist; database \"app\"; a db word"},
	/* a piece of a field is not the field */
	{"postgres://u:xylophone@h/d", "role \"x\" does not exist", "role \"x\" does not exist"},
	{"host=h password=secret", "unquoted secret and \"secret\"", "unquoted secret and \"***\""},
	/* no password: nothing to mask */
	{"postgres://u@h/d", "database \"d\" does not exist", "database \"d\" does not exist"},
	{NULL, "text \"x\"", "text \"x\""},
	{"host=h password=x", "an unterminated \"x", "an unterminated \"x"},
};

TEST(redact_echo_table)
{
	for (size_t i = 0; i < sizeof(echoes) / sizeof(echoes[0]); i++) {
		char *out = redact_echo(echoes[i].conninfo, echoes[i].text);
		if (strcmp(out, echoes[i].want) != 0)
			fprintf(stderr, "  case %zu: \"%s\"\n", i, echoes[i].text);
		CHECK_STR(out, echoes[i].want);
		free(out);
	}
}

TEST(redact_echoes_of_whole_string_only)
{
	char *out = redact_echoes_of("postgres://u:postgres@h/postgres",
				     "at postgres://u:postgres@h/postgres: database \"postgres\" (postgres)");
	CHECK_STR(out, "at postgres://u:***@h/postgres: database \"postgres\" (postgres)");
	free(out);
	out = redact_echoes_of(NULL, "a");
	CHECK_STR(out, "a");
	free(out);
}

TEST(redact_query_text_masks_literals)
{
	static const struct redact_case q[] = {
		{"ALTER ROLE app PASSWORD 'hunter2'", "ALTER ROLE app PASSWORD '***'"},
		{"SELECT 'it''s', E'a\\'b', 1", "SELECT '***', E'***', 1"},
		{"SELECT $$x'y$$, $t$ secret $t$ FROM \"it's\"", "SELECT $$***$$, $t$***$t$ FROM \"it's\""},
		{"SELECT $1, a$b$ FROM t", "SELECT $1, a$b$ FROM t"},
		{"UPDATE users SET pw = 'unterminated", "UPDATE users SET pw = '***"},
		{"SELECT $q$ never closed", "SELECT $q$***"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char *out = redact_query_text(q[i].in, 200);
		CHECK_STR(out, q[i].out);
		free(out);
	}
}

TEST(redact_query_text_cuts_at_characters)
{
	char *out = redact_query_text("UPDATE users SET name = 1", 12);
	CHECK_STR(out, "UPDATE users...");
	free(out);
	out = redact_query_text("SELECT \xc3\xa9\xc3\xa9", 8);
	CHECK_STR(out, "SELECT \xc3\xa9...");
	free(out);
	out = redact_query_text(NULL, 5);
	CHECK_STR(out, "");
	free(out);
}
