-- concurrent-in-transaction: CONCURRENTLY cannot run inside a transaction block
-- expect: concurrent-in-transaction
CREATE INDEX CONCURRENTLY messages_user_idx ON messages (user_id);

-- expect: concurrent-in-transaction
DROP INDEX CONCURRENTLY orders_old_idx;

-- expect: concurrent-in-transaction
REINDEX INDEX CONCURRENTLY events_kind_idx;
