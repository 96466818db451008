-- pgboot:up
-- stt: a speech-to-text service. 0001: API keys. Only a SHA-256 of the key
-- is stored; key_prefix ("stt_live_3f9a") identifies it in dashboards.
CREATE TABLE api_keys (
    id                     bigserial   PRIMARY KEY,
    name                   text        NOT NULL,
    key_prefix             text        NOT NULL,
    key_sha256             bytea       NOT NULL UNIQUE,
    scopes                 text[]      NOT NULL DEFAULT '{transcribe}',
    rate_limit_per_minute  integer     NOT NULL DEFAULT 60,
    metadata               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at             timestamptz NOT NULL DEFAULT now(),
    last_used_at           timestamptz,
    revoked_at             timestamptz,
    CONSTRAINT api_keys_sha256_length CHECK (octet_length(key_sha256) = 32),
    CONSTRAINT api_keys_rate_limit_positive CHECK (rate_limit_per_minute > 0),
    CONSTRAINT api_keys_metadata_object CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX api_keys_active_prefix_idx ON api_keys (key_prefix) WHERE revoked_at IS NULL;

-- pgboot:down
DROP TABLE api_keys;
