-- PostgreSQL 12+: SET NOT NULL skips its scan when a validated CHECK (col IS NOT NULL) proves it
ALTER TABLE messages VALIDATE CONSTRAINT messages_user_id_not_null;

ALTER TABLE messages ALTER COLUMN user_id SET NOT NULL;
