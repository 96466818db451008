-- Every foreign key is backed by a valid, non-partial index that starts with
-- its columns: otherwise each delete or key update of the parent scans the
-- whole child table (and claims/cascades lock far more than they should).
SELECT format('foreign key %s on %s (%s) has no index starting with its columns',
              c.conname, c.conrelid::regclass,
              (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
                 FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)) AS violation
  FROM pg_constraint c
 WHERE c.contype = 'f'
   AND c.connamespace = current_schema()::regnamespace
   AND NOT EXISTS (
       SELECT 1
         FROM pg_index i
        WHERE i.indrelid = c.conrelid
          AND i.indisvalid
          AND i.indpred IS NULL
          AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
          AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
 ORDER BY 1;
