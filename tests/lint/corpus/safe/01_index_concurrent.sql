-- pgboot:no-transaction
-- the safe way to build and drop indexes on an existing table
CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_body_idx ON messages (body);

DROP INDEX CONCURRENTLY IF EXISTS users_email_key;

REINDEX INDEX CONCURRENTLY messages_body_idx;

REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;
