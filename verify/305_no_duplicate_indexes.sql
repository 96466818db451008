-- No two indexes of a table are identical (same columns, expressions,
-- predicate, operator classes and access method): the second only costs writes.
SELECT format('indexes %s and %s on %s are identical',
              a.indexrelid::regclass, b.indexrelid::regclass, a.indrelid::regclass) AS violation
  FROM pg_index a
  JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid > a.indexrelid
  JOIN pg_class ca ON ca.oid = a.indexrelid
  JOIN pg_class cb ON cb.oid = b.indexrelid
 WHERE ca.relnamespace = current_schema()::regnamespace
   AND ca.relam = cb.relam
   AND a.indkey::text = b.indkey::text
   AND a.indclass::text = b.indclass::text
   AND coalesce(pg_get_expr(a.indexprs, a.indrelid), '') = coalesce(pg_get_expr(b.indexprs, b.indrelid), '')
   AND coalesce(pg_get_expr(a.indpred, a.indrelid), '') = coalesce(pg_get_expr(b.indpred, b.indrelid), '')
 ORDER BY 1;
