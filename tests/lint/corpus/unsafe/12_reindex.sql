-- pgboot:no-transaction
-- reindex-not-concurrent: REINDEX blocks writes (and reads that use the index)
-- expect: reindex-not-concurrent
REINDEX INDEX messages_body_idx;

-- expect: reindex-not-concurrent
REINDEX TABLE orders;
