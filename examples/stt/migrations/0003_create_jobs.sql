-- pgboot:up
-- stt 0003: transcription jobs. A job outlives the key that created it
-- (billing, audits): ON DELETE SET NULL.
CREATE TABLE jobs (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    api_key_id   bigint      REFERENCES api_keys (id) ON DELETE SET NULL,
    status       text        NOT NULL DEFAULT 'queued',
    audio_uri    text        NOT NULL,
    language     text        NOT NULL DEFAULT 'en',
    model        text        NOT NULL DEFAULT 'base',
    options      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    result       jsonb,
    error        jsonb,
    audio_ms     integer,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    CONSTRAINT jobs_status_valid CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    CONSTRAINT jobs_result_when_succeeded CHECK (status <> 'succeeded' OR result IS NOT NULL),
    CONSTRAINT jobs_options_object CHECK (jsonb_typeof(options) = 'object'),
    CONSTRAINT jobs_audio_ms_nonneg CHECK (audio_ms IS NULL OR audio_ms >= 0)
);
-- Composite: a key's job list, newest first.
CREATE INDEX jobs_api_key_created_idx ON jobs (api_key_id, created_at DESC);
-- Composite: the workers' queue.
CREATE INDEX jobs_status_created_idx ON jobs (status, created_at) WHERE status IN ('queued', 'running');
-- Searching results: jobs whose result mentions a word, a speaker ...
CREATE INDEX jobs_result_gin ON jobs USING gin (result jsonb_path_ops);

-- pgboot:down
DROP TABLE jobs;
