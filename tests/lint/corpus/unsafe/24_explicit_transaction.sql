-- hazards inside the file's own BEGIN ... COMMIT
BEGIN;
-- expect: index-not-concurrent
CREATE INDEX sessions_user_idx ON sessions (user_id);
-- expect: destructive-change
ALTER TABLE sessions DROP COLUMN legacy;
COMMIT;
