-- No index in the schema is INVALID or not ready (left behind by a failed
-- CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY): such an index is not
-- used by queries but still slows every write.
SELECT format('index %s on %s is %s', i.indexrelid::regclass, i.indrelid::regclass,
              CASE WHEN NOT i.indisvalid THEN 'INVALID' ELSE 'not ready' END) AS violation
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
 WHERE c.relnamespace = current_schema()::regnamespace
   AND (NOT i.indisvalid OR NOT i.indisready)
 ORDER BY 1;
