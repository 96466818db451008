-- Table teams exists, with primary key (id uuid): a UUID key defaulting to gen_random_uuid().
-- pgboot:requires 0009
WITH t AS (SELECT to_regclass('teams') AS oid),
pk AS (
    SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY k.ord) AS cols
      FROM t
      JOIN pg_constraint c ON c.conrelid = t.oid AND c.contype = 'p'
     CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
)
SELECT 'table teams is missing' AS violation
  FROM t
 WHERE t.oid IS NULL
UNION ALL
SELECT format('table teams: primary key is (%s), expected (id uuid)', coalesce(pk.cols, 'none'))
  FROM t, pk
 WHERE t.oid IS NOT NULL AND pk.cols IS DISTINCT FROM 'id uuid'
UNION ALL
SELECT 'table teams: column id has no key default (expected gen_random_uuid())'
  FROM t
 WHERE t.oid IS NOT NULL
   AND NOT EXISTS (
       SELECT 1
         FROM pg_attribute a
         JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = t.oid AND a.attname = 'id'
          AND pg_get_expr(d.adbin, d.adrelid) = 'gen_random_uuid()');
