-- destructive-change: TRUNCATE removes every row (ACCESS EXCLUSIVE)
-- expect: destructive-change
TRUNCATE events;

-- expect: destructive-change
TRUNCATE TABLE sessions, tokens CASCADE;
