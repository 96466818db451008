-- Every MORSE table with an updated_at column keeps it current: an enabled
-- BEFORE UPDATE row trigger calling set_updated_at().
SELECT format('table %s has updated_at but no enabled set_updated_at() trigger', c.oid::regclass) AS violation
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at' AND NOT a.attisdropped
 WHERE c.relnamespace = current_schema()::regnamespace
   AND c.relkind IN ('r', 'p')
   AND NOT EXISTS (
       SELECT 1
         FROM pg_trigger t
        WHERE t.tgrelid = c.oid
          AND t.tgfoid = to_regprocedure('set_updated_at()')
          AND t.tgenabled <> 'D'
          AND t.tgtype & 1 = 1        -- FOR EACH ROW
          AND t.tgtype & 2 = 2        -- BEFORE
          AND t.tgtype & 16 = 16)     -- UPDATE
 ORDER BY 1;
