-- pgboot:no-transaction
-- a bounded batch, not the whole table
UPDATE messages SET body = trim(body) WHERE id BETWEEN 1 AND 10000;

DELETE FROM events WHERE happened_at < now() - interval '90 days' AND id < 50000;
