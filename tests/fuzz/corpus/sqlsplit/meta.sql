/* a /* b */ c */ -- x
SELECT 1 \; SELECT 2;
\set x 1
SELECT :x, :'x', :"x" \gset
