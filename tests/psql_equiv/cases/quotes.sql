-- every quote form, with semicolons inside
SELECT ';' AS a, 'it''s;' AS b, E'\';' AS c, e'\\' AS d;
SELECT B'10;', X'1F;', N'n;', U&'d\0061;' UESCAPE '!', u&"a;""b";
SELECT "a;""b" FROM "x;";
SELECT note'\'; SELECT 'after';
SELECT E'a'
'\'; SELECT 2;
SELECT 1 -- ; comment
, 2 /* ; /* nested ; */ ; */;
SELECT '$$', "$$", $$'$$, $a$ $b$ ; $A$ $a$;
SELECT $1, a$b$, 1a$$, $1a$$, 1$$;$$, :a$$;$$;
SELECT 1..2, 1e$$, 1e+$$;$$, .5;
