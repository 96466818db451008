-- destructive-change: the release still running reads what these remove
-- expect: destructive-change
DROP TABLE old_messages;

-- expect: destructive-change
ALTER TABLE orders DROP COLUMN legacy_code;

-- expect: destructive-change
ALTER TABLE users DROP COLUMN IF EXISTS nickname CASCADE;

-- expect: destructive-change
DROP SCHEMA archive CASCADE;
