-- pgboot:no-transaction
-- PostgreSQL 12+: SET NOT NULL skips its scan when a validated CHECK (col IS NOT NULL) proves it.
-- Outside a transaction each statement commits: VALIDATE scans under SHARE UPDATE EXCLUSIVE only.
ALTER TABLE messages ADD CONSTRAINT messages_user_id_not_null CHECK (user_id IS NOT NULL) NOT VALID;

ALTER TABLE messages VALIDATE CONSTRAINT messages_user_id_not_null;

ALTER TABLE messages ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE messages DROP CONSTRAINT messages_user_id_not_null;
