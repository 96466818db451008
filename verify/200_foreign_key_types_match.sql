-- Every foreign key column has exactly the type of the key it references:
-- a reference to a UUID key is uuid, to a SERIAL key integer, to a
-- BIGSERIAL key bigint. (A mismatch forces casts and defeats indexes.)
SELECT format('%s.%s is %s but references %s.%s (%s) via %s',
              c.conrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
              c.confrelid::regclass, fa.attname, format_type(fa.atttypid, fa.atttypmod),
              c.conname) AS violation
  FROM pg_constraint c
 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k (attnum, fattnum)
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
  JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fattnum
 WHERE c.contype = 'f'
   AND c.connamespace = current_schema()::regnamespace
   AND (a.atttypid, a.atttypmod) IS DISTINCT FROM (fa.atttypid, fa.atttypmod)
 ORDER BY 1;
