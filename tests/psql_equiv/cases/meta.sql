SELECT 1 AS x \gset
SELECT 2
\echo in the middle
, 3;
SELECT 4 \g
\g
\set v 'SELECT 5'
:v;
SELECT :'v', :"v", :{?v};
SELECT 5
-- a comment kept by psql
\r
SELECT 6;
/* only a comment at the end */
