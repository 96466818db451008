/* test_sqlsplit.c: the SQL lexer, state by state, and its helpers. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sqlsplit.h"
#include "sql_fixture.h"
#include "strbuf.h"

/*
 * Split sql and render the statements as "text|text|...": meta-commands as
 * "M<text>", statements not ended by ';' (or a newline, for meta) get a
 * trailing "~". Returns "ERR <message> @line:column" on failure. The result
 * is a static buffer.
 */
static const char *split_opts(const char *sql, int std, int one_message)
{
	static char out[8192];
	struct sql_script s;
	struct pgb_error err;
	struct sqlsplit_opts o = {.standard_conforming_strings = std, .one_message = one_message};
	pgb_error_init(&err);
	if (sql_split(sql, strlen(sql), &o, &s, &err) != 0) {
		snprintf(out, sizeof(out), "ERR %s @%d:%d", err.message, err.line, err.column);
		pgb_error_free(&err);
		return out;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < s.n; i++) {
		const struct sql_stmt *st = &s.stmts[i];
		if (i)
			strbuf_addc(&sb, '|');
		if (st->kind == SQL_STMT_META)
			strbuf_addc(&sb, 'M');
		strbuf_add(&sb, sql + st->start, st->end - st->start);
		if (!st->terminated)
			strbuf_addc(&sb, '~');
	}
	snprintf(out, sizeof(out), "%s", sb.buf);
	strbuf_free(&sb);
	sql_script_free(&s);
	return out;
}

static const char *split_std(const char *sql, int std)
{
	return split_opts(sql, std, 0);
}

static const char *split(const char *sql)
{
	return split_std(sql, 1);
}

/* ---- whitespace, comments, empty input ---- */

TEST(sqlsplit_empty_inputs_give_no_statement)
{
	CHECK_STR(split(""), "");
	CHECK_STR(split("   \n\t\r\n\f "), "");
	CHECK_STR(split("-- only a comment"), "");
	CHECK_STR(split("-- one\n-- two\n"), "");
	CHECK_STR(split("/* block */"), "");
	CHECK_STR(split("/* a /* nested */ one */\n-- and a line\n"), "");
	CHECK_STR(split("\xEF\xBB\xBF  -- a BOM and a comment\n"), "");
}

TEST(sqlsplit_simple_statements)
{
	CHECK_STR(split("SELECT 1;"), "SELECT 1;");
	CHECK_STR(split("SELECT 1; SELECT 2;"), "SELECT 1;|SELECT 2;");
	CHECK_STR(split("  SELECT 1;\n\n  SELECT 2;\n"), "SELECT 1;|SELECT 2;");
	CHECK_STR(split("SELECT 1;;"), "SELECT 1;|;");
	CHECK_STR(split(";"), ";");
}

TEST(sqlsplit_last_statement_without_semicolon)
{
	CHECK_STR(split("SELECT 1; SELECT 2"), "SELECT 1;|SELECT 2~");
	CHECK_STR(split("SELECT 1;\nSELECT 2\n-- trailing\n"), "SELECT 1;|SELECT 2\n-- trailing\n~");
}

TEST(sqlsplit_leading_comments_are_not_part_of_start)
{
	CHECK_STR(split("-- c\nSELECT 1;"), "SELECT 1;");
	CHECK_STR(split("/* c */ SELECT 1;"), "SELECT 1;");
	CHECK_STR(split("/* c */ ;"), ";");
	/* comments inside a statement stay, byte for byte */
	CHECK_STR(split("SELECT /* ; */ 1 -- ;\n, 2;"), "SELECT /* ; */ 1 -- ;\n, 2;");
}

TEST(sqlsplit_line_comment_ends_at_cr_or_lf)
{
	CHECK_STR(split("SELECT 1 -- x ;\r, 2;"), "SELECT 1 -- x ;\r, 2;");
	CHECK_STR(split("SELECT 1 -- x ;"), "SELECT 1 -- x ;~");
}

TEST(sqlsplit_nested_block_comments)
{
	CHECK_STR(split("/* a /* b */ ; */ SELECT 1;"), "SELECT 1;");
	CHECK_STR(split("SELECT /* /* /* deep */ */ ; */ 1;"), "SELECT /* /* /* deep */ */ ; */ 1;");
	CHECK_STR(split("SELECT 1 /**/; SELECT 2;"), "SELECT 1 /**/;|SELECT 2;");
	CHECK_STR(split("SELECT 1 /***/; SELECT 2;"), "SELECT 1 /***/;|SELECT 2;");
	CHECK_STR(split("SELECT 1 /* * / ; **/; SELECT 2;"), "SELECT 1 /* * / ; **/;|SELECT 2;");
	/* slash-star after operator characters still opens a comment */
	CHECK_STR(split("SELECT 1 +/* ; */ 2;"), "SELECT 1 +/* ; */ 2;");
	CHECK_STR(split("SELECT 1 +-- ;\n 2;"), "SELECT 1 +-- ;\n 2;");
	/* slash-star-slash opens once */
	CHECK_STR(split("SELECT /*/ ; */ 1;"), "SELECT /*/ ; */ 1;");
}

TEST(sqlsplit_deep_comment_nesting_is_a_counter)
{
	size_t depth = 200000;
	char *s = malloc(depth * 4 + 32);
	size_t n = 0;
	memcpy(s + n, "SELECT ", 7), n += 7;
	for (size_t i = 0; i < depth; i++)
		memcpy(s + n, "/*", 2), n += 2;
	for (size_t i = 0; i < depth; i++)
		memcpy(s + n, "*/", 2), n += 2;
	memcpy(s + n, " 1;", 3), n += 3;
	struct sql_script sc;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(s, n, NULL, &sc, &err), 0);
	CHECK_INT(sc.n, 1);
	CHECK_INT(sc.stmts[0].end, n);
	sql_script_free(&sc);
	free(s);
}

/* ---- strings ---- */

TEST(sqlsplit_single_quotes_and_doubling)
{
	CHECK_STR(split("SELECT ';';"), "SELECT ';';");
	CHECK_STR(split("SELECT 'it''s; fine'; SELECT 2;"), "SELECT 'it''s; fine';|SELECT 2;");
	CHECK_STR(split("SELECT '';"), "SELECT '';");
	CHECK_STR(split("SELECT '''';"), "SELECT '''';");
	CHECK_STR(split("SELECT 'a\nb;\nc';"), "SELECT 'a\nb;\nc';");
	CHECK_STR(split("SELECT '-- no comment; /* no */';"), "SELECT '-- no comment; /* no */';");
}

TEST(sqlsplit_backslash_in_standard_strings_is_plain)
{
	/* standard_conforming_strings = on: the backslash is an ordinary character */
	CHECK_STR(split("SELECT 'a\\'; SELECT 2;"), "SELECT 'a\\';|SELECT 2;");
	/* off: it escapes the quote, so the string runs on */
	CHECK_STR(split_std("SELECT 'a\\'; SELECT 2;'; SELECT 3;", 0), "SELECT 'a\\'; SELECT 2;';|SELECT 3;");
	CHECK_STR(split_std("SELECT 'a\\\\'; SELECT 2;", 0), "SELECT 'a\\\\';|SELECT 2;");
}

TEST(sqlsplit_set_standard_conforming_strings_changes_lexing)
{
	/* as psql does when the server reports the new setting */
	CHECK_STR(split("SET standard_conforming_strings = off; SELECT 'a\\'; x'; SELECT 2;"),
		  "SET standard_conforming_strings = off;|SELECT 'a\\'; x';|SELECT 2;");
	CHECK_STR(split_std("SET SESSION standard_conforming_strings TO 'on'; SELECT 'a\\'; SELECT 2;", 0),
		  "SET SESSION standard_conforming_strings TO 'on';|SELECT 'a\\';|SELECT 2;");
	CHECK_STR(split_std("RESET standard_conforming_strings; SELECT 'a\\'; SELECT 2;", 0),
		  "RESET standard_conforming_strings;|SELECT 'a\\';|SELECT 2;");
	CHECK_STR(split_std("RESET ALL; SELECT 'a\\'; SELECT 2;", 0), "RESET ALL;|SELECT 'a\\';|SELECT 2;");
	CHECK_STR(split("set standard_conforming_strings to default; SELECT 'a\\'; SELECT 2;"),
		  "set standard_conforming_strings to default;|SELECT 'a\\';|SELECT 2;");
	/* SET LOCAL ends with the transaction: not followed */
	CHECK_STR(split("SET LOCAL standard_conforming_strings = off; SELECT 'a\\'; SELECT 2;"),
		  "SET LOCAL standard_conforming_strings = off;|SELECT 'a\\';|SELECT 2;");
}

TEST(sqlsplit_one_message_lexes_with_the_setting_at_its_start)
{
	/* the server lexes a whole Query message before running any of it: a SET inside changes nothing */
	CHECK_STR(split_opts("SET standard_conforming_strings = off; SELECT 'a\\'; COMMIT; --'", 1, 1),
		  "SET standard_conforming_strings = off;|SELECT 'a\\';|COMMIT;");
	CHECK_STR(split_opts("SET standard_conforming_strings = on; SELECT 'it\\'s'; COMMIT; --'", 0, 1),
		  "SET standard_conforming_strings = on;|SELECT 'it\\'s';|COMMIT;");
	CHECK_STR(split_opts("RESET ALL; SELECT 'a\\'; b'; SELECT 2;", 0, 1), "RESET ALL;|SELECT 'a\\'; b';|SELECT 2;");
}

TEST(strbuf_add_cut_says_how_much_was_cut)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add_cut(&sb, "abcdef", 6);
	CHECK_STR(sb.buf, "abcdef");
	strbuf_reset(&sb);
	strbuf_add_cut(&sb, "abcdefgh", 3);
	CHECK_STR(sb.buf, "abc ...(5 more bytes)");
	strbuf_reset(&sb);
	/* never inside a UTF-8 character: "é" is 2 bytes, cut before it */
	strbuf_add_cut(&sb, "a\xC3\xA9" "b", 2);
	CHECK_STR(sb.buf, "a ...(3 more bytes)");
	strbuf_free(&sb);
}

TEST(sqlsplit_escape_strings)
{
	CHECK_STR(split("SELECT E'\\';'; SELECT 2;"), "SELECT E'\\';';|SELECT 2;");
	CHECK_STR(split("SELECT e'\\\\'; SELECT 2;"), "SELECT e'\\\\';|SELECT 2;");
	CHECK_STR(split("SELECT E'a''b;\\x41\\101\\u0041'; SELECT 2;"), "SELECT E'a''b;\\x41\\101\\u0041';|SELECT 2;");
	/* a backslash before a newline escapes the newline */
	CHECK_STR(split("SELECT E'a\\\n'; SELECT 2;"), "SELECT E'a\\\n';|SELECT 2;");
	/* "e" inside an identifier does not start an E'' string */
	CHECK_STR(split("SELECT note'\\'; SELECT 2;"), "SELECT note'\\';|SELECT 2;");
}

TEST(sqlsplit_bit_hex_national_strings)
{
	CHECK_STR(split("SELECT B'10;01', X'1F;', N'n;'; SELECT 2;"), "SELECT B'10;01', X'1F;', N'n;';|SELECT 2;");
	CHECK_STR(split("SELECT b'1''0;'; SELECT 2;"), "SELECT b'1''0;';|SELECT 2;");
	/* N'' follows standard_conforming_strings */
	CHECK_STR(split_std("SELECT N'\\'; x'; SELECT 2;", 0), "SELECT N'\\'; x';|SELECT 2;");
	CHECK_STR(split("SELECT N'\\'; SELECT 2;"), "SELECT N'\\';|SELECT 2;");
}

TEST(sqlsplit_unicode_forms)
{
	CHECK_STR(split("SELECT U&'d\\0061t;a' UESCAPE '!'; SELECT 2;"), "SELECT U&'d\\0061t;a' UESCAPE '!';|SELECT 2;");
	CHECK_STR(split("SELECT u&\"a;\"\"b\"; SELECT 2;"), "SELECT u&\"a;\"\"b\";|SELECT 2;");
	/* U&'' never takes backslash escapes, even with standard strings off */
	CHECK_STR(split_std("SELECT U&'\\'; SELECT 2;", 0), "SELECT U&'\\';|SELECT 2;");
	/* "u&" not followed by a quote is u, &, ... */
	CHECK_STR(split("SELECT u&v; SELECT 2;"), "SELECT u&v;|SELECT 2;");
}

TEST(sqlsplit_quote_continuation_only_within_a_psql_line)
{
	/* psql scans line by line: a string continued after '\n' is a new string,
	 * so E'' escapes do not carry over... */
	CHECK_STR(split("SELECT E'a'\n'\\'; SELECT 2;"), "SELECT E'a'\n'\\';|SELECT 2;");
	/* ...but across a lone '\r' they do */
	CHECK_STR(split("SELECT E'a'\r'\\'; x'; SELECT 2;"), "SELECT E'a'\r'\\'; x';|SELECT 2;");
	CHECK_STR(split("SELECT E'a' -- c\r'\\'; x'; SELECT 2;"), "SELECT E'a' -- c\r'\\'; x';|SELECT 2;");
	CHECK_STR(split("SELECT E'a'\r -- c\r'\\'; x'; SELECT 2;"), "SELECT E'a'\r -- c\r'\\'; x';|SELECT 2;");
	/* no newline between the strings: no continuation */
	CHECK_STR(split("SELECT E'a' '\\'; SELECT 2;"), "SELECT E'a' '\\';|SELECT 2;");
}

TEST(sqlsplit_quoted_identifiers)
{
	CHECK_STR(split("SELECT 1 AS \"a;b\"; SELECT 2;"), "SELECT 1 AS \"a;b\";|SELECT 2;");
	CHECK_STR(split("SELECT 1 AS \"a\"\";\"; SELECT 2;"), "SELECT 1 AS \"a\"\";\";|SELECT 2;");
	CHECK_STR(split("SELECT 1 AS \"'\"; SELECT 2;"), "SELECT 1 AS \"'\";|SELECT 2;");
	CHECK_STR(split("SELECT '\"'; SELECT 2;"), "SELECT '\"';|SELECT 2;");
	CHECK_STR(split("SELECT \"--\", \"/*\"; SELECT 2;"), "SELECT \"--\", \"/*\";|SELECT 2;");
}

/* ---- dollar quotes ---- */

TEST(sqlsplit_dollar_quotes)
{
	CHECK_STR(split("DO $$ BEGIN; END; $$; SELECT 2;"), "DO $$ BEGIN; END; $$;|SELECT 2;");
	CHECK_STR(split("SELECT $fn$ ; $$ ; $fn$; SELECT 2;"), "SELECT $fn$ ; $$ ; $fn$;|SELECT 2;");
	/* mismatched inner tags do not close */
	CHECK_STR(split("SELECT $a$ $b$ ; $A$ ; $a$; SELECT 2;"), "SELECT $a$ $b$ ; $A$ ; $a$;|SELECT 2;");
	/* $junk$tag$ : the last '$' of a wrong tag may start the right one */
	CHECK_STR(split("SELECT $x$ $junk$x$; SELECT 2;"), "SELECT $x$ $junk$x$;|SELECT 2;");
	/* quotes and comments mean nothing inside */
	CHECK_STR(split("SELECT $$ ' \" /* -- $$; SELECT 2;"), "SELECT $$ ' \" /* -- $$;|SELECT 2;");
	/* tags may hold UTF-8 and digits after the first character */
	CHECK_STR(split("SELECT $\xC3\xA9t1$ ; $\xC3\xA9t1$; SELECT 2;"), "SELECT $\xC3\xA9t1$ ; $\xC3\xA9t1$;|SELECT 2;");
}

TEST(sqlsplit_dollar_quotes_inside_other_quotes_are_text)
{
	CHECK_STR(split("SELECT '$$'; SELECT 2;"), "SELECT '$$';|SELECT 2;");
	CHECK_STR(split("SELECT \"$$\"; SELECT 2;"), "SELECT \"$$\";|SELECT 2;");
	CHECK_STR(split("SELECT 1 /* $$ */; SELECT 2;"), "SELECT 1 /* $$ */;|SELECT 2;");
	CHECK_STR(split("SELECT 1 -- $$\n; SELECT 2;"), "SELECT 1 -- $$\n;|SELECT 2;");
}

TEST(sqlsplit_dollar_params_and_identifiers)
{
	/* $1 is a parameter, not a quote */
	CHECK_STR(split("SELECT $1; SELECT $2$;"), "SELECT $1;|SELECT $2$;");
	/* a '$' inside an identifier belongs to it */
	CHECK_STR(split("SELECT a$b$; SELECT 2;"), "SELECT a$b$;|SELECT 2;");
	CHECK_STR(split("SELECT a$$; SELECT 2;"), "SELECT a$$;|SELECT 2;");
	/* so does a '$' after an identifier glued to a number */
	CHECK_STR(split("SELECT 1a$$; SELECT 2;"), "SELECT 1a$$;|SELECT 2;");
	CHECK_STR(split("SELECT $1a$$; SELECT 2;"), "SELECT $1a$$;|SELECT 2;");
	/* but not after a bare number */
	CHECK_STR(split("SELECT 1$$;$$; SELECT 2;"), "SELECT 1$$;$$;|SELECT 2;");
	/* a tag cannot start with a digit */
	CHECK_STR(split("SELECT $1x$; SELECT 2;"), "SELECT $1x$;|SELECT 2;");
	/* "$x" without a closing '$' is a lone '$' */
	CHECK_STR(split("SELECT $x ; SELECT 2;"), "SELECT $x ;|SELECT 2;");
}

/* ---- parentheses and BEGIN ATOMIC ---- */

TEST(sqlsplit_parentheses_hold_semicolons)
{
	CHECK_STR(split("SELECT (1;2); SELECT 2;"), "SELECT (1;2);|SELECT 2;");
	CHECK_STR(split("SELECT ((;)); SELECT 2;"), "SELECT ((;));|SELECT 2;");
	/* an unmatched ')' does not go negative */
	CHECK_STR(split("SELECT ); SELECT (;);"), "SELECT );|SELECT (;);");
	/* an unclosed '(' swallows the rest, as in psql */
	CHECK_STR(split("SELECT (; SELECT 2;"), "SELECT (; SELECT 2;~");
	/* parentheses inside quotes do not count */
	CHECK_STR(split("SELECT '('; SELECT \")\"; SELECT $$($$;"), "SELECT '(';|SELECT \")\";|SELECT $$($$;");
}

TEST(sqlsplit_begin_atomic_function_bodies)
{
	const char *f = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;";
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s\nSELECT 3;", f);
	char expect[512];
	snprintf(expect, sizeof(expect), "%s|SELECT 3;", f);
	CHECK_STR(split(sb.buf), expect);
	strbuf_free(&sb);

	CHECK_STR(split("create or replace procedure p() begin atomic insert into t values (1); end; select 1;"),
		  "create or replace procedure p() begin atomic insert into t values (1); end;|select 1;");
	/* CASE ... END inside the body */
	CHECK_STR(split("CREATE FUNCTION f(x int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; "
			"SELECT 2; END; SELECT 3;"),
		  "CREATE FUNCTION f(x int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; "
		  "SELECT 2; END;|SELECT 3;");
	/* CASE outside a BEGIN is not counted */
	CHECK_STR(split("CREATE FUNCTION f() RETURNS int AS $$ x $$ LANGUAGE sql; SELECT CASE WHEN true THEN 1 END;"),
		  "CREATE FUNCTION f() RETURNS int AS $$ x $$ LANGUAGE sql;|SELECT CASE WHEN true THEN 1 END;");
	/* words inside parentheses are not counted: a parameter named "begin" */
	CHECK_STR(split("CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN 1; SELECT 2;"),
		  "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN 1;|SELECT 2;");
}

TEST(sqlsplit_begin_outside_create_function_is_plain)
{
	CHECK_STR(split("BEGIN; SELECT 1; END;"), "BEGIN;|SELECT 1;|END;");
	CHECK_STR(split("CREATE TABLE begin (x int); BEGIN; COMMIT;"), "CREATE TABLE begin (x int);|BEGIN;|COMMIT;");
	/* psql remembers only CREATE [OR REPLACE] FUNCTION|PROCEDURE as the first words */
	CHECK_STR(split("CREATE TEMP FUNCTION begin; SELECT 1;"), "CREATE TEMP FUNCTION begin;|SELECT 1;");
	CHECK_STR(split("create or replace function f() begin atomic select 1; end; begin; commit;"),
		  "create or replace function f() begin atomic select 1; end;|begin;|commit;");
	/* the quirk is psql's: any BEGIN counts in such a statement, even in a name */
	CHECK_STR(split("CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1; SELECT 2; end; SELECT 3;"),
		  "CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1; SELECT 2; end;|SELECT 3;");
	/* quoted "begin" is no keyword; a :begin variable neither */
	CHECK_STR(split("CREATE FUNCTION \"begin\"() RETURNS int LANGUAGE sql RETURN :begin; SELECT 2;"),
		  "CREATE FUNCTION \"begin\"() RETURNS int LANGUAGE sql RETURN :begin;|SELECT 2;");
	/* begin$ is one identifier */
	CHECK_STR(split("CREATE FUNCTION begin$() RETURNS int LANGUAGE sql RETURN 1; SELECT 2;"),
		  "CREATE FUNCTION begin$() RETURNS int LANGUAGE sql RETURN 1;|SELECT 2;");
}

TEST(sqlsplit_begin_after_escaped_semicolon_resets_words)
{
	/* \; resets psql's word count, so this CREATE FUNCTION is seen afresh */
	CHECK_STR(split("SELECT 1 \\; CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END; SELECT 2;"),
		  "SELECT 1 \\; CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END;|SELECT 2;");
}

/* ---- psql meta-commands and variables ---- */

TEST(sqlsplit_meta_commands)
{
	CHECK_STR(split("\\set x 1\nSELECT 1;"), "M\\set x 1|SELECT 1;");
	CHECK_STR(split("SELECT 1;\n\\i other.sql"), "SELECT 1;|M\\i other.sql~");
	CHECK_STR(split("SELECT 1 \\gset\nSELECT 2;"), "SELECT 1 ~|M\\gset|SELECT 2;");
	CHECK_STR(split("SELECT 1;\r\n\\connect db\r\nSELECT 2;"), "SELECT 1;|M\\connect db|SELECT 2;");
	/* a backslash inside quotes, comments or dollar bodies is no command */
	CHECK_STR(split("SELECT '\\x', $$\\y$$, \"\\z\" /* \\q */; -- \\q\n"), "SELECT '\\x', $$\\y$$, \"\\z\" /* \\q */;");
	/* the meta-command resets psql's parenthesis count */
	CHECK_STR(split("SELECT (\n\\g\nSELECT 2;"), "SELECT (\n~|M\\g|SELECT 2;");
}

TEST(sqlsplit_meta_command_line_and_column)
{
	struct sql_script s;
	const struct sql_stmt *st = nth("SELECT 1;\n  -- c\n  \\copy t from 'x'\n", 1, &s);
	CHECK(st != NULL);
	if (st) {
		CHECK_INT(st->kind, SQL_STMT_META);
		CHECK_INT(st->line, 3);
		CHECK_INT(st->column, 3);
	}
	sql_script_free(&s);
}

TEST(sqlsplit_escaped_semicolon_and_colon)
{
	/* psql sends "SELECT 1 ; SELECT 2;" as one string */
	CHECK_STR(split("SELECT 1 \\; SELECT 2; SELECT 3;"), "SELECT 1 \\; SELECT 2;|SELECT 3;");
	CHECK_STR(split("SELECT 1 \\:x;"), "SELECT 1 \\:x;");
	struct sql_script s;
	const struct sql_stmt *st = nth("SELECT 0; SELECT 1 \\; SELECT 2;", 1, &s);
	CHECK(st && st->psql_escape == 19);
	sql_script_free(&s);
	st = nth("SELECT 0;", 0, &s);
	CHECK(st && st->psql_escape == SQL_NO_ESCAPE);
	sql_script_free(&s);
}

TEST(sqlsplit_psql_variables_are_text_but_single_tokens)
{
	CHECK_STR(split("SELECT :x, :'y', :\"z\", :{?w}; SELECT 2;"), "SELECT :x, :'y', :\"z\", :{?w};|SELECT 2;");
	/* :'name' is one token, so its closing quote is no doubled quote: the
	 * quote after it opens a string (which here never ends) */
	CHECK_STR(split("SELECT :'a''; SELECT 2;"), "ERR unterminated quoted string @1:12");
	/* a failed :'... leaves the quote to open a string */
	CHECK_STR(split("SELECT :'a b;'; SELECT 2;"), "SELECT :'a b;';|SELECT 2;");
	/* "::" is a cast, ":=" an operator */
	CHECK_STR(split("SELECT 1::int; x := 1;"), "SELECT 1::int;|x := 1;");
	/* :name stops before '$', which may then open a dollar quote */
	CHECK_STR(split("SELECT :a$$;$$; SELECT 2;"), "SELECT :a$$;$$;|SELECT 2;");
}

/* ---- unterminated forms ---- */

TEST(sqlsplit_unterminated_forms_name_where_they_opened)
{
	CHECK_STR(split("SELECT 1;\nSELECT 'abc\n;\n"), "ERR unterminated quoted string @2:8");
	CHECK_STR(split("SELECT E'abc\\'"), "ERR unterminated quoted string @1:8");
	CHECK_STR(split("SELECT\n  N'x"), "ERR unterminated quoted string @2:3");
	CHECK_STR(split("SELECT b'01"), "ERR unterminated quoted string @1:8");
	CHECK_STR(split("SELECT U&'x"), "ERR unterminated quoted string @1:8");
	CHECK_STR(split("\n\n  /* a /* b */ c"), "ERR unterminated /* comment @3:3");
	CHECK_STR(split("SELECT 1 /* x"), "ERR unterminated /* comment @1:10");
	CHECK_STR(split("DO $body$ BEGIN END $$;\n"), "ERR unterminated dollar-quoted string @1:4");
	CHECK_STR(split("SELECT 1 AS \"x;"), "ERR unterminated quoted identifier @1:13");
	CHECK_STR(split("SELECT U&\"x"), "ERR unterminated quoted identifier @1:8");
	/* columns count characters */
	CHECK_STR(split("SELECT '\xC3\xA9\xC3\xA9', '\xE2\x82\xAC' '"), "ERR unterminated quoted string @1:18");
	/* with standard strings off, a backslash hides the closing quote */
	CHECK_STR(split_std("SELECT 'a\\';", 0), "ERR unterminated quoted string @1:8");
}

TEST(sqlsplit_error_is_config_and_first_wins)
{
	struct sql_script s;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split("'", 1, NULL, &s, &err), -1);
	CHECK_INT(err.code, PGB_EXIT_CONFIG);
	CHECK(err.file == NULL);
	CHECK(s.stmts == NULL && s.n == 0);
	pgb_error_free(&err);
	/* a NULL error is allowed */
	CHECK_INT(sql_split("'", 1, NULL, &s, NULL), -1);
}

/* ---- positions ---- */

TEST(sqlsplit_lines_and_columns)
{
	const char *sql = "SELECT 1;\n\n   SELECT 2; SELECT 3;\n\t/* c */ SELECT\n4;";
	struct sql_script s;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &s, &err), 0);
	CHECK_INT(s.n, 4);
	CHECK_INT(s.stmts[0].line, 1);
	CHECK_INT(s.stmts[0].column, 1);
	CHECK_INT(s.stmts[1].line, 3);
	CHECK_INT(s.stmts[1].column, 4);
	CHECK_INT(s.stmts[2].line, 3);
	CHECK_INT(s.stmts[2].column, 14);
	CHECK_INT(s.stmts[3].line, 4);
	CHECK_INT(s.stmts[3].column, 10);
	CHECK_INT(s.stmts[3].start, 43);
	sql_script_free(&s);
}

TEST(sqlsplit_crlf_files)
{
	const char *sql = "SELECT 1;\r\nSELECT\r\n  2;\r\n  SELECT 3\r\n";
	CHECK_STR(split(sql), "SELECT 1;|SELECT\r\n  2;|SELECT 3\r\n~");
	struct sql_script s;
	const struct sql_stmt *st = nth(sql, 2, &s);
	CHECK(st && st->line == 4 && st->column == 3);
	sql_script_free(&s);
	/* a line comment stops at the '\r' */
	CHECK_STR(split("SELECT 1 -- x\r\n;"), "SELECT 1 -- x\r\n;");
}

TEST(sqlsplit_utf8_columns)
{
	/* "é" is two bytes, "€" three, "😀" four: each one character */
	const char *sql = "SELECT '\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80'; SELECT 2;";
	struct sql_script s;
	const struct sql_stmt *st = nth(sql, 1, &s);
	CHECK(st && st->column == 15);
	sql_script_free(&s);
	/* an invalid byte counts as one character */
	sql = "SELECT '\xFF\xC3'; SELECT 2;";
	st = nth(sql, 1, &s);
	CHECK(st && st->column == 14);
	sql_script_free(&s);
	/* a byte-order mark is skipped and takes no column */
	sql = "\xEF\xBB\xBFSELECT 1;";
	st = nth(sql, 0, &s);
	CHECK(st && st->start == 3 && st->column == 1);
	sql_script_free(&s);
	/* UTF-8 identifiers are identifiers ("é$$" is one of them) */
	CHECK_STR(split("SELECT \xC3\xA9$$; SELECT 2;"), "SELECT \xC3\xA9$$;|SELECT 2;");
}

TEST(sqlsplit_numbers_and_operators)
{
	CHECK_STR(split("SELECT 1..2, 1.5e3, .5, 1e+, 1.e$$; SELECT 2;"), "SELECT 1..2, 1.5e3, .5, 1e+, 1.e$$;|SELECT 2;");
	CHECK_STR(split("SELECT 1e$$; SELECT 2;"), "SELECT 1e$$;|SELECT 2;");
	CHECK_STR(split("SELECT 1e+$$;$$; SELECT 2;"), "SELECT 1e+$$;$$;|SELECT 2;");
	CHECK_STR(split("SELECT 1 <> 2 != 3 || 'x'; SELECT 2;"), "SELECT 1 <> 2 != 3 || 'x';|SELECT 2;");
}

TEST(sqlsplit_nul_bytes_are_ordinary)
{
	const char sql[] = "SELECT '\0;'; SELECT 2;";
	struct sql_script s;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(sql, sizeof(sql) - 1, NULL, &s, &err), 0);
	CHECK_INT(s.n, 2);
	sql_script_free(&s);
}

/* ---- characters, locate, excerpt ---- */

TEST(sqlsplit_char_count)
{
	CHECK_INT(sql_char_count("", 0), 0);
	CHECK_INT(sql_char_count("abc", 3), 3);
	CHECK_INT(sql_char_count("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9), 3);
	CHECK_INT(sql_char_count("\xFF\xC3x", 3), 3);          /* invalid bytes count one each */
	CHECK_INT(sql_char_count("\xE2\x82", 2), 2);          /* truncated sequence */
	CHECK_INT(sql_char_count("\xC0\xAF", 2), 2);          /* overlong */
	CHECK_INT(sql_char_count("\xED\xA0\x80", 3), 3);      /* surrogate */
	CHECK_INT(sql_char_count("\xEF\xBB\xBF" "ab", 5), 2); /* BOM */
}

TEST(sqlsplit_locate)
{
	const char *sql = "SELECT 1;\n  SELECT '\xC3\xA9' + x;\r\nEND";
	size_t len = strlen(sql);
	int line, col;
	size_t ls, le;
	CHECK_INT(sql_locate(sql, len, 1, &line, &col, &ls, &le), 0);
	CHECK(line == 1 && col == 1 && ls == 0 && le == 9);
	/* character 26 is the "x": after "é", which is one character */
	CHECK_INT(sql_locate(sql, len, 26, &line, &col, &ls, &le), 0);
	CHECK_INT(line, 2);
	CHECK_INT(col, 16);
	CHECK_INT(ls, 10);
	CHECK_INT(le, 28); /* without the \r\n */
	CHECK_INT((unsigned char)sql[ls + 16], 'x');
	/* one past the end is "at end of input" */
	long n = (long)sql_char_count(sql, len);
	CHECK_INT(sql_locate(sql, len, n + 1, &line, &col, NULL, NULL), 0);
	CHECK(line == 3 && col == 4);
	CHECK_INT(sql_locate(sql, len, n + 2, &line, &col, NULL, NULL), -1);
	CHECK_INT(sql_locate(sql, len, 0, &line, &col, NULL, NULL), -1);
	CHECK_INT(sql_locate(sql, len, -5, NULL, NULL, NULL, NULL), -1);
	CHECK_INT(sql_locate("", 0, 1, &line, &col, &ls, &le), 0);
	CHECK(line == 1 && col == 1 && ls == 0 && le == 0);

	CHECK_INT(sql_offset_locus(sql, len, 23, &line, &col), 0);
	CHECK(line == 2 && col == 13);
	CHECK_INT(sql_offset_locus(sql, len, len + 1, &line, &col), -1);
}

TEST(sqlsplit_caret_excerpt)
{
	const char *sql = "SELECT 1;\nSELECT 'caf\xC3\xA9' + nope;\n";
	char *e = sql_caret_excerpt(sql, strlen(sql), 2, 22);
	CHECK_STR(e, "LINE 2: SELECT 'caf\xC3\xA9' + nope;\n"
		     "                             ^");
	free(e);
	/* tabs are kept so the caret lines up under them */
	sql = "\tSELECT\tx;";
	e = sql_caret_excerpt(sql, strlen(sql), 1, 9);
	CHECK_STR(e, "LINE 1: \tSELECT\tx;\n        \t      \t^");
	free(e);
	/* wide characters take two columns */
	sql = "SELECT '\xE6\x97\xA5' x";
	e = sql_caret_excerpt(sql, strlen(sql), 1, 12);
	CHECK_STR(e, "LINE 1: SELECT '\xE6\x97\xA5' x\n                    ^");
	free(e);
	/* past the end of the line, and CRLF */
	sql = "SELECT 1 +\r\n";
	e = sql_caret_excerpt(sql, strlen(sql), 1, 11);
	CHECK_STR(e, "LINE 1: SELECT 1 +\n                  ^");
	free(e);
	CHECK(sql_caret_excerpt(sql, strlen(sql), 3, 1) == NULL);
	CHECK(sql_caret_excerpt(sql, strlen(sql), 0, 1) == NULL);
	e = sql_caret_excerpt(sql, strlen(sql), 2, 1);
	CHECK_STR(e, "LINE 2: \n        ^");
	free(e);
	/* a NUL byte is shown as '?' so the excerpt is not cut short (found by fuzzing) */
	e = sql_caret_excerpt("a\0b c", 5, 1, 5);
	CHECK_STR(e, "LINE 1: a?b c\n            ^");
	free(e);
}

TEST(sqlsplit_locate_agrees_with_split_columns)
{
	const char *sql = "-- h\xC3\xA9\n\t SELECT '\xE2\x82\xAC'; /* \xC3\xA9 */ SELECT 2;\r\n  \\echo x\n";
	struct sql_script s;
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &s, &err), 0);
	CHECK_INT(s.n, 3);
	for (size_t i = 0; i < s.n; i++) {
		int line, col;
		long pos = (long)sql_char_count(sql, s.stmts[i].start) + 1;
		CHECK_INT(sql_locate(sql, strlen(sql), pos, &line, &col, NULL, NULL), 0);
		CHECK_INT(line, s.stmts[i].line);
		CHECK_INT(col, s.stmts[i].column);
	}
	sql_script_free(&s);
}

TEST(sqlsplit_caret_excerpt_of_a_long_line_is_a_window)
{
	/* a 1 MB literal on one line: the excerpt shows 160 characters around the caret */
	size_t n = 1000000;
	char *sql = malloc(n + 64);
	strcpy(sql, "INSERT INTO t VALUES ('");
	size_t at = strlen(sql);
	memset(sql + at, 'x', n);
	strcpy(sql + at + n, "') oops;");
	size_t len = strlen(sql);
	int col = (int)(at + n + 4); /* "oops" */
	char *e = sql_caret_excerpt(sql, len, 1, col);
	CHECK(e != NULL);
	CHECK(strlen(e) < 400);
	CHECK(strncmp(e, "LINE 1: ...xxx", 14) == 0);
	/* the caret stands under the "o" of oops */
	const char *nl = strchr(e, '\n');
	const char *o = strstr(e, "oops");
	CHECK(nl && o && (size_t)(strchr(nl, '^') - nl - 1) == (size_t)(o - e));
	free(e);
	/* a short line is shown whole */
	e = sql_caret_excerpt("SELECT 1 oops;", 14, 1, 10);
	CHECK_STR(e, "LINE 1: SELECT 1 oops;\n                 ^");
	free(e);
	free(sql);
}

/* ---- the token iterator ---- */

/* The tokens of the first statement of sql as "kind:text|..." (kinds W I S D N O), depth after '@' when > 0. */
static const char *tokens(const char *sql, int std)
{
	static char out[1024];
	static const char kinds[] = "EWISDNO";
	struct sql_script s;
	struct sqlsplit_opts o = {.standard_conforming_strings = std};
	struct strbuf sb;
	strbuf_init(&sb);
	if (sql_split(sql, strlen(sql), &o, &s, NULL) != 0 || s.n == 0) {
		snprintf(out, sizeof(out), "ERR");
		strbuf_free(&sb);
		return out;
	}
	struct sql_tokens t;
	struct sql_token k;
	sql_tokens_init(&t, sql, &s.stmts[0]);
	while (sql_token_next(&t, &k)) {
		strbuf_addf(&sb, "%s%c:%.*s", sb.len ? "|" : "", kinds[k.kind], (int)k.n, k.s);
		if (k.depth)
			strbuf_addf(&sb, "@%ld", k.depth);
	}
	snprintf(out, sizeof(out), "%s", sb.buf);
	strbuf_free(&sb);
	sql_script_free(&s);
	return out;
}

TEST(sqlsplit_tokens_are_the_scanners)
{
	CHECK_STR(tokens("select e'x\\'y', \"Q\"\"\" -- c\n/* d */, $t$ a 'b' $t$;", 1),
		  "W:select|S:e'x\\'y'|O:,|I:\"Q\"\"\"|O:,|D:$t$ a 'b' $t$|O:;");
	CHECK_STR(tokens("SELECT f(1.5e3, $1, :v, :'w', x::int) FROM u&\"t\";", 1),
		  "W:SELECT|W:f|O:(|N:1.5e3@1|O:,@1|O:$1@1|O:,@1|O::v@1|O:,@1|O::'w'@1|O:,@1|W:x@1|O:::@1|W:int@1|O:)@1|"
		  "W:FROM|I:u&\"t\"|O:;");
	CHECK_STR(tokens("SELECT b'01', x'ff', n'n', U&'\\0041' \\; SELECT 2;", 1),
		  "W:SELECT|S:b'01'|O:,|S:x'ff'|O:,|S:n'n'|O:,|S:U&'\\0041'|O:\\;|W:SELECT|N:2|O:;");
	CHECK_STR(tokens("-- only a comment\n", 1), "ERR");
}

TEST(sqlsplit_tokens_follow_standard_conforming_strings)
{
	/* off: a backslash escapes the quote, so the string runs on past the ';' */
	CHECK_STR(tokens("SELECT 'a\\' ; b';", 0), "W:SELECT|S:'a\\' ; b'|O:;");
	CHECK_STR(tokens("SELECT 'a\\';", 1), "W:SELECT|S:'a\\'|O:;");
	/* a SET read by the splitter changes how the next statement's tokens are read */
	struct sql_script s;
	const char *sql = "SET standard_conforming_strings = off; SELECT 'x\\' -- y';";
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &s, NULL), 0);
	CHECK_INT(s.n, 2);
	if (s.n == 2) {
		struct sql_tokens t;
		struct sql_token k;
		sql_tokens_init(&t, sql, &s.stmts[1]);
		CHECK(sql_token_next(&t, &k) && sql_token_is(&k, "select"));
		CHECK(sql_token_next(&t, &k) && k.kind == SQL_TOKEN_STRING && k.n == 10);
	}
	sql_script_free(&s);
}

TEST(sqlsplit_is_blank)
{
	CHECK(sql_is_blank("", 0));
	CHECK(sql_is_blank(" \n\t\r\f", 5));
	CHECK(sql_is_blank("-- a\n/* b /* c */ */\n", 21));
	CHECK(sql_is_blank("/* unterminated", 15));
	CHECK(!sql_is_blank("-- a\nx", 6));
	CHECK(!sql_is_blank("'", 1));
	CHECK(!sql_is_blank("\xEF\xBB\xBF", 3)); /* callers skip a byte-order mark themselves */
}

/* ---- COPY FROM STDIN data, read as psql reads it ---- */

/* The data of statement k of sql as "line:text", or "-" when it has none. */
static const char *copy_data_of(const char *sql, size_t k)
{
	static char out[512];
	struct sql_script s;
	const struct sql_stmt *st = nth(sql, k, &s);
	if (!st)
		snprintf(out, sizeof(out), "(no statement)");
	else if (st->data_line == 0)
		snprintf(out, sizeof(out), "-");
	else
		snprintf(out, sizeof(out), "%d:%.*s", st->data_line, (int)st->data_len, sql + st->data_start);
	sql_script_free(&s);
	return out;
}

TEST(sqlsplit_copy_data_is_never_lexed)
{
	/* pg_dump's output: an apostrophe, a quote, a semicolon, a dollar sign and a comment in the data */
	const char *dump = "SET x = 1;\nCOPY public.t (id, name) FROM stdin;\n1\tO'Brien\n2\t\"a;b\" $$ /* -- \\N\n"
			   "\\.\n\nSELECT 2;\n";
	CHECK_STR(split(dump), "SET x = 1;|COPY public.t (id, name) FROM stdin;|SELECT 2;");
	CHECK_STR(copy_data_of(dump, 1), "3:1\tO'Brien\n2\t\"a;b\" $$ /* -- \\N\n");
	CHECK_STR(copy_data_of(dump, 0), "-");
	CHECK_STR(copy_data_of(dump, 2), "-");
	/* any case, options, a statement on several lines: the data starts after the line of the ';' */
	CHECK_STR(split("copy t\n  from STDIN with (format csv) -- c\n;  \n'\n\\.\nSELECT 1;"),
		  "copy t\n  from STDIN with (format csv) -- c\n;|SELECT 1;");
	CHECK_STR(copy_data_of("copy t\n  from STDIN with (format csv) -- c\n;  \n'\n\\.\nSELECT 1;", 0), "4:'\n");
	/* no rows; "\." with a '\r' (CRLF files); "\." last without a line end */
	CHECK_STR(copy_data_of("COPY t FROM STDIN;\n\\.\n", 0), "2:");
	CHECK_STR(split("COPY t FROM STDIN;\r\n1\r\n\\.\r\nSELECT 1;\r\n"), "COPY t FROM STDIN;|SELECT 1;");
	CHECK_STR(copy_data_of("COPY t FROM STDIN;\r\n1\r\n\\.\r\nSELECT 1;\r\n", 0), "2:1\r\n");
	CHECK_STR(split("COPY t FROM STDIN;\n'\n\\."), "COPY t FROM STDIN;");
	/* only a line that is exactly "\." ends it */
	CHECK_STR(copy_data_of("COPY t FROM STDIN;\n \\.\n\\.x\n\\.\n", 0), "2: \\.\n\\.x\n");
	/* what is not COPY FROM STDIN has no data */
	CHECK_STR(split("COPY t TO STDOUT;\nSELECT 'from stdin;';\n"), "COPY t TO STDOUT;|SELECT 'from stdin;';");
	CHECK_STR(split("COPY t FROM '/srv/x';\nSELECT 1;"), "COPY t FROM '/srv/x';|SELECT 1;");
}

TEST(sqlsplit_copy_data_follows_the_line_of_the_semicolon)
{
	/* psql lexes the rest of the COPY's line after the data, and a second COPY there reads the next block */
	const char *two = "COPY a FROM STDIN; COPY b FROM STDIN; SELECT 1;\nA'\n\\.\nB'\n\\.\nSELECT 2;";
	CHECK_STR(split(two), "COPY a FROM STDIN;|COPY b FROM STDIN;|SELECT 1;|SELECT 2;");
	CHECK_STR(copy_data_of(two, 0), "2:A'\n");
	CHECK_STR(copy_data_of(two, 1), "4:B'\n");
	/* several COPYs joined by psql's "\;" read one block each */
	const char *joined = "select 0\\; copy t from stdout\\; copy t from stdin\\; select 1;\n3\n\\.\n4'\n\\.\nSELECT 3;";
	CHECK_STR(split(joined), "select 0\\; copy t from stdout\\; copy t from stdin\\; select 1;|SELECT 3;");
	CHECK_STR(copy_data_of(joined, 0), "2:3\n");
}

TEST(sqlsplit_copy_data_without_end_is_an_error)
{
	CHECK_STR(split("SELECT 1;\n  COPY t FROM STDIN;\n1\tO'Brien\n"),
		  "ERR COPY FROM STDIN data has no end: a line \"\\.\" must follow it @2:3");
	CHECK_STR(split("COPY t FROM STDIN;"), "ERR COPY FROM STDIN data has no end: a line \"\\.\" must follow it @1:1");
	CHECK_STR(split("SELECT 1;\nCOPY t FROM STDIN"),
		  "ERR COPY FROM STDIN data has no end: a line \"\\.\" must follow it @2:1");
	CHECK_STR(split("COPY a FROM STDIN; COPY b FROM STDIN;\n\\.\n"),
		  "ERR COPY FROM STDIN data has no end: a line \"\\.\" must follow it @1:20");
	/* a statement begun after the COPY on its line would be joined around the data by psql */
	CHECK_STR(split("COPY t FROM STDIN; SELECT\n1\n\\.\n2;"),
		  "ERR a statement after COPY FROM STDIN on the same line must end on that line @1:20");
	/* a string left open at the end of the COPY's line */
	CHECK_STR(split("COPY t FROM STDIN; SELECT 'a\n1\n\\.\nb';"), "ERR unterminated quoted string @1:27");
}

TEST(sqlsplit_text_without_data_keeps_lines)
{
	const char *sql = "SELECT 1;\nCOPY t FROM STDIN; SELECT 2;\nZoë\t'\r\n\\.\r\nSELECT 3;\n";
	struct sql_script s;
	CHECK_INT(sql_split(sql, strlen(sql), NULL, &s, NULL), 0);
	struct strbuf sb;
	strbuf_init(&sb);
	sql_add_without_data(&sb, sql, 0, strlen(sql), &s);
	CHECK_STR(sb.buf, "SELECT 1;\nCOPY t FROM STDIN; SELECT 2;\n\r\n\r\nSELECT 3;\n");
	/* what the server reads between the statements is blank */
	CHECK(sql_is_blank(sb.buf + s.stmts[2].end, sb.len - strlen("SELECT 3;\n") - s.stmts[2].end));
	/* a slice that starts after the data, or ends before it, is copied as it is */
	strbuf_free(&sb);
	strbuf_init(&sb);
	sql_add_without_data(&sb, sql, 0, 9, &s);
	CHECK_STR(sb.buf, "SELECT 1;");
	strbuf_free(&sb);
	sql_script_free(&s);
}
