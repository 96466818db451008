-- pgboot:up
-- stt 0004: feedback on transcripts. Feedback belongs to its job (CASCADE);
-- the key that sent it may be revoked and deleted (SET NULL).
CREATE TABLE feedback (
    id           bigserial   PRIMARY KEY,
    job_id       uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    api_key_id   bigint      REFERENCES api_keys (id) ON DELETE SET NULL,
    rating       smallint    NOT NULL,
    -- [{"start_ms": 1200, "end_ms": 1800, "heard": "cube control", "meant": "kubectl"}]
    corrections  jsonb       NOT NULL DEFAULT '[]'::jsonb,
    comment      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feedback_rating_range CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT feedback_corrections_array CHECK (jsonb_typeof(corrections) = 'array')
);
CREATE INDEX feedback_job_created_idx ON feedback (job_id, created_at);
CREATE INDEX feedback_api_key_rating_idx ON feedback (api_key_id, rating);

-- pgboot:down
DROP TABLE feedback;
