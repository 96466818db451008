-- No constraint was left NOT VALID (added without checking existing rows):
-- every foreign key and CHECK holds for all rows, not just new ones.
SELECT format('constraint %s on %s is NOT VALID', c.conname, c.conrelid::regclass) AS violation
  FROM pg_constraint c
 WHERE c.connamespace = current_schema()::regnamespace
   AND NOT c.convalidated
 ORDER BY 1;
