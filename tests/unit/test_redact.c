/* test_redact.c: redact_conninfo, conninfo_password, conninfo_each_secret, conninfo_has_keyword. */
#include <stdlib.h>

#include "check.h"
#include "redact.h"

struct redact_case {
	const char *in;
	const char *out;
	const char *password; /* what conninfo_password returns, or NULL */
};

static const struct redact_case cases[] = {
	/* URLs */
	{"postgres://app:secret@db:5432/app", "postgres://app:***@db:5432/app", "secret"},
	{"postgresql://app:secret@db/app", "postgresql://app:***@db/app", "secret"},
	{"POSTGRES://app:secret@db/app", "POSTGRES://app:***@db/app", "secret"},
	{"postgres://app@db:5432/app", "postgres://app@db:5432/app", NULL},
	{"postgres://db/app", "postgres://db/app", NULL},
	{"postgres://", "postgres://", NULL},
	{"postgresql:///app?host=/tmp", "postgresql:///app?host=/tmp", NULL},
	{"postgres://app:@db/app", "postgres://app:@db/app", NULL},
	{"postgres://app:p%40ss%2Fw%3Ford@db/app", "postgres://app:***@db/app", "p@ss/w?ord"},
	{"postgres://app:pa%zzss@db/app", "postgres://app:***@db/app", "pa%zzss"},
	{"postgres://app@db/app?sslmode=require&password=qsecret",
	 "postgres://app@db/app?sslmode=require&password=***", "qsecret"},
	{"postgres://app:one@db/app?password=two&application_name=x",
	 "postgres://app:***@db/app?password=***&application_name=x", "two"},
	{"postgres://db/app?pass%77ord=enc", "postgres://db/app?pass%77ord=***", "enc"},
	{"postgres://db/app?sslpassword=keypw&password=", "postgres://db/app?sslpassword=***&password=",
	 NULL},
	{"postgres://app:secret@host1:5432,host2:5433/app?target_session_attrs=read-write",
	 "postgres://app:***@host1:5432,host2:5433/app?target_session_attrs=read-write", "secret"},
	{"postgres://app:secret@[::1]:5432/app", "postgres://app:***@[::1]:5432/app", "secret"},
	{"postgres://app:secret@[2001:db8::1],[::1]:5433/app",
	 "postgres://app:***@[2001:db8::1],[::1]:5433/app", "secret"},
	/* an unencoded '@', '/' or '?' in the password must not leak */
	{"postgres://app:p@ss/w?rd@db/app", "postgres://app:***@db/app", "p@ss/w?rd"},
	/* keyword/value strings */
	{"host=db password=secret user=app", "host=db password=*** user=app", "secret"},
	{"password=secret", "password=***", "secret"},
	{"host=db password = 'sec ret' dbname=app", "host=db password = *** dbname=app", "sec ret"},
	{"password='it\\'s \\\\ here' host=db", "password=*** host=db", "it's \\ here"},
	{"password=back\\ slash host=db", "password=*** host=db", "back slash"},
	{"  host=db\tpassword=tab\n", "  host=db\tpassword=***\n", "tab"},
	{"host=a,b target_session_attrs=read-write", "host=a,b target_session_attrs=read-write", NULL},
	{"host=db user=password", "host=db user=password", NULL},
	{"host=db passwordx=1 sslpassword=kp", "host=db passwordx=1 sslpassword=***", NULL},
	{"host=db password='' user=app", "host=db password='' user=app", NULL},
	{"dbname='postgres://u:nested@h/d' host=x", "dbname=*** host=x", NULL},
	{"host=db dbname=app", "host=db dbname=app", NULL},
	/* a bare database name has no password */
	{"appdb", "appdb", NULL},
	{"", "", NULL},
	/* unparseable: everything masked */
	{"host=db password='unterminated", "***", NULL},
	{"host=db password", "***", NULL},
	{"host db password=x", "***", NULL},
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

TEST(redact_conninfo_password_table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *pw = conninfo_password(cases[i].in);
		if (cases[i].password) {
			CHECK_STR(pw, cases[i].password);
		} else {
			if (pw)
				fprintf(stderr, "  case %zu: \"%s\" gave \"%s\"\n", i, cases[i].in, pw);
			CHECK(pw == NULL);
		}
		free(pw);
	}
}

TEST(redact_null_input)
{
	char *out = redact_conninfo(NULL);
	CHECK_STR(out, "");
	free(out);
	CHECK(conninfo_password(NULL) == NULL);
	CHECK_INT(conninfo_has_keyword(NULL, "user"), 0);
}

struct collected {
	char list[512];
};

static void collect(const char *secret, void *arg)
{
	struct collected *c = arg;
	strncat(c->list, secret, sizeof(c->list) - strlen(c->list) - 2);
	strcat(c->list, "|");
}

TEST(redact_each_secret_gives_decoded_and_written_forms)
{
	struct collected c = {""};
	conninfo_each_secret("postgres://u:p%40ss@h/d?sslpassword=k", collect, &c);
	CHECK_STR(c.list, "p@ss|p%40ss|k|");

	struct collected kv = {""};
	conninfo_each_secret("password='a b' sslpassword=plain", collect, &kv);
	CHECK_STR(kv.list, "a b|plain|");

	struct collected nested = {""};
	conninfo_each_secret("dbname='host=x password=inner' user=u", collect, &nested);
	CHECK_STR(nested.list, "inner|");

	struct collected none = {""};
	conninfo_each_secret("postgres://u@h/d", collect, &none);
	CHECK_STR(none.list, "");
}

struct keyword_case {
	const char *conninfo;
	const char *kw;
	int want;
};

static const struct keyword_case keywords[] = {
	{"host=db application_name=web", "application_name", 1},
	{"host=db user=app", "application_name", 0},
	{"host=db user=app", "user", 1},
	{"host=db password=application_name=x", "application_name", 0},
	{"postgres://db/app?application_name=web", "application_name", 1},
	{"postgres://db/app?application%5Fname=web", "application_name", 1},
	{"postgres://db/app", "application_name", 0},
	{"postgres://app@db/app", "user", 1},
	{"postgres://db/app", "user", 0},
	{"postgres://db/app?user=x", "user", 1},
	{"postgres://db:5433/app", "port", 1},
	{"postgres://db/app", "port", 0},
	{"postgres://[::1]/app", "port", 0},
	{"postgres://[::1]:5432/app", "port", 1},
	{"postgres://a,b:5433/app", "port", 1},
	{"postgres://db/app", "dbname", 1},
	{"postgres://db", "dbname", 0},
	{"appdb", "dbname", 0},
};

TEST(redact_conninfo_has_keyword_table)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		int got = conninfo_has_keyword(keywords[i].conninfo, keywords[i].kw);
		if (got != keywords[i].want)
			fprintf(stderr, "  case %zu: \"%s\" %s\n", i, keywords[i].conninfo, keywords[i].kw);
		CHECK_INT(got, keywords[i].want);
	}
}
