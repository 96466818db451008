-- gen_random_uuid() (core since PostgreSQL 13) gives version-4 uuids: every
-- UUID key defaults to it.
SELECT 'gen_random_uuid() does not return version-4 uuids' AS violation
 WHERE gen_random_uuid()::text !~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
