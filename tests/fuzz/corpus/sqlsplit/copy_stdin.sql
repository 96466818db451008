COPY a FROM stdin; COPY b FROM STDIN; SELECT 1;
1	O'Brien
\.
2	$$
\.
select 0\; copy t from stdout\; copy t from stdin;
3
\.
4
\.
SELECT 2;
