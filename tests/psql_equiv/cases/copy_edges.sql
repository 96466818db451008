-- COPY as psql sees it: a comment kept before the command, data up to "\.",
-- and "from stdin" inside literals, which is no COPY at all.
/* a comment psql keeps */ COPY t FROM STDIN;
1	one
2	two
\.
SELECT 'copy x from stdin';
COPY (SELECT 'a from stdin') TO STDOUT;
SELECT 2;
-- two COPYs in one query string
select 0\; copy t from stdout\; copy t from stdin\; select 1;
3	three
\.
4	four
\.
SELECT $$ ; copy t from stdin ; $$;
SELECT 3;
