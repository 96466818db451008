-- pgboot:no-transaction
-- vacuum-full: rewrites the table under ACCESS EXCLUSIVE
-- expect: vacuum-full
VACUUM FULL messages;

-- expect: vacuum-full
VACUUM (FULL, ANALYZE) orders;
