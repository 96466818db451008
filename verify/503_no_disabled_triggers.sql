-- No trigger of the schema is disabled, including the internal ones that
-- enforce foreign keys (ALTER TABLE ... DISABLE TRIGGER ALL, left over from
-- a bulk load, silently turns referential integrity off).
SELECT format('trigger %s on %s is disabled%s', t.tgname, t.tgrelid::regclass,
              CASE WHEN t.tgisinternal THEN ' (foreign key enforcement)' ELSE '' END) AS violation
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = current_schema()::regnamespace
   AND t.tgenabled = 'D'
 ORDER BY 1;
