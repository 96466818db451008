-- pgboot:up
-- MORSE migration 0004: recorded audio, its transcriptions, and the job
-- queue of the audio pipeline (transcribe -> detect workout -> verify speaker).

CREATE TABLE audio_files (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The recording device; the audio outlives a scrapped device.
    device_id        integer     REFERENCES user_devices (id) ON DELETE SET NULL,
    -- NULL until someone claims the recording (directly or via its session).
    -- A person's recordings are personal data and go with them.
    user_id          uuid        REFERENCES users (id) ON DELETE CASCADE,
    storage_path     text        NOT NULL,
    original_filename text,
    mime_type        text        NOT NULL DEFAULT 'audio/wav',
    duration_ms      integer,
    file_size_bytes  bigint,
    sample_rate_hz   integer,
    sha256           text,
    status           text        NOT NULL DEFAULT 'uploaded',
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    uploaded_at      timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audio_files_storage_path_key UNIQUE (storage_path),
    CONSTRAINT audio_files_storage_path_not_blank CHECK (btrim(storage_path) <> ''),
    CONSTRAINT audio_files_mime_type_audio CHECK (mime_type LIKE 'audio/%'),
    CONSTRAINT audio_files_duration_nonneg CHECK (duration_ms IS NULL OR duration_ms >= 0),
    CONSTRAINT audio_files_size_nonneg CHECK (file_size_bytes IS NULL OR file_size_bytes >= 0),
    CONSTRAINT audio_files_sample_rate_range CHECK (sample_rate_hz IS NULL OR sample_rate_hz BETWEEN 8000 AND 192000),
    CONSTRAINT audio_files_sha256_format CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT audio_files_status_valid CHECK (status IN ('uploaded', 'processing', 'transcribed', 'failed'))
);
COMMENT ON TABLE audio_files IS 'Audio recorded on devices; user_id NULL means unclaimed.';

CREATE INDEX audio_files_device_id_idx ON audio_files (device_id, recorded_at DESC);
CREATE INDEX audio_files_user_id_idx ON audio_files (user_id, recorded_at DESC);
-- The "unclaimed recordings" inbox.
CREATE INDEX audio_files_unclaimed_idx ON audio_files (recorded_at DESC) WHERE user_id IS NULL;

CREATE TRIGGER audio_files_set_updated_at
    BEFORE UPDATE ON audio_files
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE transcriptions (
    id               uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    audio_file_id    uuid         NOT NULL REFERENCES audio_files (id) ON DELETE CASCADE,
    status           text         NOT NULL DEFAULT 'pending',
    transcript_text  text,
    language         text         NOT NULL DEFAULT 'en',
    confidence       numeric(4,3),
    engine           text         NOT NULL DEFAULT 'whisper',
    -- Word-level timings: [{"w": "squat", "start_ms": 120, "end_ms": 480}, ...]
    words            jsonb,
    error_message    text,
    started_at       timestamptz,
    completed_at     timestamptz,
    created_at       timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT transcriptions_status_valid CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT transcriptions_confidence_range CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1),
    CONSTRAINT transcriptions_language_format CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$'),
    CONSTRAINT transcriptions_words_is_array CHECK (words IS NULL OR jsonb_typeof(words) = 'array'),
    CONSTRAINT transcriptions_completed_has_text
        CHECK (status <> 'completed' OR (transcript_text IS NOT NULL AND completed_at IS NOT NULL)),
    CONSTRAINT transcriptions_failed_has_error CHECK (status <> 'failed' OR error_message IS NOT NULL),
    CONSTRAINT transcriptions_times_ordered
        CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at)
);
COMMENT ON TABLE transcriptions IS 'Speech-to-text attempts per audio file; at most one completed.';

CREATE INDEX transcriptions_audio_file_id_idx ON transcriptions (audio_file_id);
CREATE UNIQUE INDEX transcriptions_one_completed_per_audio
    ON transcriptions (audio_file_id) WHERE status = 'completed';

CREATE TABLE processing_jobs (
    id             bigserial   PRIMARY KEY,
    audio_file_id  uuid        NOT NULL REFERENCES audio_files (id) ON DELETE CASCADE,
    job_type       text        NOT NULL,
    status         text        NOT NULL DEFAULT 'queued',
    attempts       integer     NOT NULL DEFAULT 0,
    max_attempts   integer     NOT NULL DEFAULT 5,
    run_after      timestamptz NOT NULL DEFAULT now(),
    locked_at      timestamptz,
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    CONSTRAINT processing_jobs_job_type_valid CHECK (job_type IN ('transcribe', 'detect_workout', 'verify_speaker')),
    CONSTRAINT processing_jobs_status_valid CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    CONSTRAINT processing_jobs_attempts_range CHECK (attempts >= 0 AND max_attempts > 0 AND attempts <= max_attempts),
    CONSTRAINT processing_jobs_finished_when_done
        CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);
COMMENT ON TABLE processing_jobs IS 'Audio pipeline queue, consumed with SELECT ... FOR UPDATE SKIP LOCKED.';

CREATE INDEX processing_jobs_audio_file_id_idx ON processing_jobs (audio_file_id, job_type);
-- What workers poll: queued jobs that are due.
CREATE INDEX processing_jobs_due_idx ON processing_jobs (run_after) WHERE status = 'queued';

-- pgboot:down
DROP TABLE IF EXISTS processing_jobs;
DROP TABLE IF EXISTS transcriptions;
DROP TABLE IF EXISTS audio_files;
