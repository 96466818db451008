-- pgboot:up
-- stt 0005: job priorities. The queue index becomes (status, priority,
-- created_at) so workers take the most urgent, oldest job first.
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD CONSTRAINT jobs_priority_range CHECK (priority BETWEEN -10 AND 10);
DROP INDEX jobs_status_created_idx;
CREATE INDEX jobs_queue_idx ON jobs (status, priority DESC, created_at) WHERE status IN ('queued', 'running');

-- pgboot:down
DROP INDEX jobs_queue_idx;
CREATE INDEX jobs_status_created_idx ON jobs (status, created_at) WHERE status IN ('queued', 'running');
ALTER TABLE jobs DROP CONSTRAINT jobs_priority_range;
ALTER TABLE jobs DROP COLUMN priority;
