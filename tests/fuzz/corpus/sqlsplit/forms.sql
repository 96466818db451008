SELECT U&'\0041' UESCAPE '!', u&"x", B'01', X'1F', N'n', 1..2, 1e$$, $1a$$, a$b$;
