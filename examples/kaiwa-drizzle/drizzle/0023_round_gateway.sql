-- kaiwa 0023, "round gateway": the audio round-trip through the speech
-- gateway. Audio analysis gets its own table (one row per message, gone
-- with the message), messages.duration becomes an integer number of
-- seconds, and messages learn their conversation round.
--
-- Written for the old "run every .sql file at start-up" runner, so every
-- step is idempotent: it may run again on a database that already has it.
-- Under pgboot it runs once, in one transaction.

CREATE TABLE IF NOT EXISTS message_audio_analysis (
    id                   uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id           uuid         NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    transcription        text,
    pronunciation_score  numeric(5,2),
    fluency_score        numeric(5,2),
    analysis             jsonb        NOT NULL DEFAULT '{}'::jsonb,
    gateway_request_id   text,
    created_at           timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT message_audio_analysis_pronunciation_range
        CHECK (pronunciation_score IS NULL OR pronunciation_score BETWEEN 0 AND 100),
    CONSTRAINT message_audio_analysis_fluency_range
        CHECK (fluency_score IS NULL OR fluency_score BETWEEN 0 AND 100)
);
--> statement-breakpoint
-- Move what 0022 stored on messages into the new table, then drop the old
-- columns. On a second run the columns are gone: undefined_column.
DO $$
BEGIN
    INSERT INTO message_audio_analysis (message_id, transcription, pronunciation_score, analysis)
    SELECT m.id, m.transcription, m.pronunciation_score, coalesce(m.analysis, '{}'::jsonb)
      FROM messages m
     WHERE m.transcription IS NOT NULL OR m.pronunciation_score IS NOT NULL OR m.analysis IS NOT NULL
    ON CONFLICT (message_id) DO NOTHING;
    ALTER TABLE messages DROP COLUMN transcription;
    ALTER TABLE messages DROP COLUMN pronunciation_score;
    ALTER TABLE messages DROP COLUMN analysis;
EXCEPTION WHEN undefined_column THEN
    NULL;
END
$$;
--> statement-breakpoint
-- duration: text -> integer seconds. Values that are not plain digits
-- ("12s", "", "n/a") become NULL instead of failing the whole migration.
DO $$
BEGIN
    IF (SELECT data_type FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'messages'
           AND column_name = 'duration') = 'text' THEN
        ALTER TABLE messages
            ALTER COLUMN duration TYPE integer
            USING CASE WHEN duration ~ '^\d+$' THEN duration::integer END;
    END IF;
END
$$;
--> statement-breakpoint
-- New columns: the conversation round and the gateway's status.
DO $$
BEGIN
    ALTER TABLE messages ADD COLUMN round_number integer;
EXCEPTION WHEN duplicate_column THEN
    NULL;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
    ALTER TABLE messages ADD COLUMN gateway_status text NOT NULL DEFAULT 'none';
EXCEPTION WHEN duplicate_column THEN
    NULL;
END
$$;
--> statement-breakpoint
-- audio_url held storage paths, not URLs.
DO $$
BEGIN
    ALTER TABLE messages RENAME COLUMN audio_url TO audio_path;
EXCEPTION WHEN undefined_column THEN
    NULL;
END
$$;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS messages_conversation_round_idx ON messages (conversation_id, round_number);
