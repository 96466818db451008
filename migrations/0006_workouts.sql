-- pgboot:up
-- MORSE migration 0006: workout sessions (a device's recording, cut by
-- silence), the audio in them, the workouts and exercises detected from the
-- transcripts, and each person's progress per library exercise.

CREATE TABLE workout_sessions (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The device that recorded it; the session survives a scrapped device.
    device_id    integer     REFERENCES user_devices (id) ON DELETE SET NULL,
    -- Who claimed it; NULL = unclaimed. A session may hold other people's
    -- voices, so deleting its claimant leaves it unclaimed instead of
    -- deleting it.
    user_id      uuid        REFERENCES users (id) ON DELETE SET NULL,
    title        text,
    status       text        NOT NULL DEFAULT 'recording',
    started_at   timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,
    claimed_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workout_sessions_status_valid CHECK (status IN ('recording', 'ended', 'processed', 'discarded')),
    CONSTRAINT workout_sessions_period_ordered CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT workout_sessions_ended_has_end CHECK (status = 'recording' OR ended_at IS NOT NULL),
    CONSTRAINT workout_sessions_claim_consistent CHECK ((user_id IS NULL) = (claimed_at IS NULL))
);
COMMENT ON TABLE workout_sessions IS 'A device recording period grouping audio files; claimed by a person via session_claims.';

CREATE INDEX workout_sessions_device_id_idx ON workout_sessions (device_id, started_at DESC);
CREATE INDEX workout_sessions_user_id_idx ON workout_sessions (user_id, started_at DESC);
CREATE INDEX workout_sessions_unclaimed_idx ON workout_sessions (started_at DESC) WHERE user_id IS NULL;

CREATE TABLE session_audio_files (
    session_id     uuid        NOT NULL REFERENCES workout_sessions (id) ON DELETE CASCADE,
    audio_file_id  uuid        NOT NULL REFERENCES audio_files (id) ON DELETE CASCADE,
    sequence_no    integer     NOT NULL,
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, audio_file_id),
    -- An audio file belongs to at most one session.
    CONSTRAINT session_audio_files_audio_file_id_key UNIQUE (audio_file_id),
    CONSTRAINT session_audio_files_sequence_key UNIQUE (session_id, sequence_no),
    CONSTRAINT session_audio_files_sequence_positive CHECK (sequence_no > 0)
);
COMMENT ON TABLE session_audio_files IS 'Which audio files make up a session, in order.';

CREATE TABLE workouts (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL while detected but unclaimed. A person's workouts go with them.
    user_id           uuid        REFERENCES users (id) ON DELETE CASCADE,
    session_id        uuid        REFERENCES workout_sessions (id) ON DELETE SET NULL,
    audio_file_id     uuid        REFERENCES audio_files (id) ON DELETE SET NULL,
    transcription_id  uuid        REFERENCES transcriptions (id) ON DELETE SET NULL,
    title             text        NOT NULL,
    workout_type      text        NOT NULL DEFAULT 'strength',
    source            text        NOT NULL DEFAULT 'voice',
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    perceived_effort  smallint,
    notes             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workouts_title_not_blank CHECK (btrim(title) <> ''),
    CONSTRAINT workouts_type_valid CHECK (workout_type IN ('strength', 'cardio', 'mixed', 'mobility', 'sport')),
    CONSTRAINT workouts_source_valid CHECK (source IN ('voice', 'manual', 'import')),
    CONSTRAINT workouts_period_ordered CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT workouts_effort_range CHECK (perceived_effort IS NULL OR perceived_effort BETWEEN 1 AND 10)
);
COMMENT ON TABLE workouts IS 'Workouts detected from transcripts (source voice) or entered by hand; user_id NULL = unclaimed.';

CREATE INDEX workouts_user_id_idx ON workouts (user_id, started_at DESC);
CREATE INDEX workouts_session_id_idx ON workouts (session_id);
CREATE INDEX workouts_audio_file_id_idx ON workouts (audio_file_id);
CREATE INDEX workouts_transcription_id_idx ON workouts (transcription_id);

CREATE TRIGGER workouts_set_updated_at
    BEFORE UPDATE ON workouts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE exercises (
    id                    uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    workout_id            uuid          NOT NULL REFERENCES workouts (id) ON DELETE CASCADE,
    -- Library entries are retired (is_active), never deleted while used.
    library_id            integer       REFERENCES exercise_library (id) ON DELETE RESTRICT,
    transcription_id      uuid          REFERENCES transcriptions (id) ON DELETE SET NULL,
    exercise_order        smallint      NOT NULL,
    name                  text          NOT NULL,
    muscle_groups         text[]        NOT NULL DEFAULT '{}',
    sets                  smallint,
    reps                  smallint,
    weight_kg             numeric(6,2),
    duration_seconds      integer,
    distance_m            numeric(9,2),
    detection_confidence  numeric(4,3),
    notes                 text,
    created_at            timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT exercises_order_key UNIQUE (workout_id, exercise_order),
    CONSTRAINT exercises_order_positive CHECK (exercise_order > 0),
    CONSTRAINT exercises_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT exercises_muscle_groups_no_nulls CHECK (array_position(muscle_groups, NULL) IS NULL),
    CONSTRAINT exercises_sets_range CHECK (sets IS NULL OR sets BETWEEN 1 AND 100),
    CONSTRAINT exercises_reps_range CHECK (reps IS NULL OR reps BETWEEN 1 AND 1000),
    CONSTRAINT exercises_weight_nonneg CHECK (weight_kg IS NULL OR weight_kg >= 0),
    CONSTRAINT exercises_duration_nonneg CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    CONSTRAINT exercises_distance_nonneg CHECK (distance_m IS NULL OR distance_m >= 0),
    CONSTRAINT exercises_confidence_range CHECK (detection_confidence IS NULL OR detection_confidence BETWEEN 0 AND 1)
);
COMMENT ON TABLE exercises IS 'Exercises of a workout, in order; muscle_groups copied from the library and searchable (GIN).';
COMMENT ON COLUMN exercises.muscle_groups IS 'Searched with @> / && through exercises_muscle_groups_gin.';

CREATE INDEX exercises_muscle_groups_gin ON exercises USING gin (muscle_groups);
CREATE INDEX exercises_library_id_idx ON exercises (library_id);
CREATE INDEX exercises_transcription_id_idx ON exercises (transcription_id);

CREATE TABLE user_progress (
    id                 serial        PRIMARY KEY,
    user_id            uuid          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    library_id         integer       NOT NULL REFERENCES exercise_library (id) ON DELETE CASCADE,
    best_weight_kg     numeric(6,2),
    best_reps          smallint,
    total_sets         integer       NOT NULL DEFAULT 0,
    total_volume_kg    numeric(12,2) NOT NULL DEFAULT 0,
    last_performed_at  timestamptz,
    created_at         timestamptz   NOT NULL DEFAULT now(),
    updated_at         timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT user_progress_user_library_key UNIQUE (user_id, library_id),
    CONSTRAINT user_progress_best_weight_nonneg CHECK (best_weight_kg IS NULL OR best_weight_kg >= 0),
    CONSTRAINT user_progress_best_reps_positive CHECK (best_reps IS NULL OR best_reps > 0),
    CONSTRAINT user_progress_totals_nonneg CHECK (total_sets >= 0 AND total_volume_kg >= 0)
);
COMMENT ON TABLE user_progress IS 'Per person and library exercise: personal bests and running totals.';

CREATE INDEX user_progress_library_id_idx ON user_progress (library_id);

CREATE TRIGGER user_progress_set_updated_at
    BEFORE UPDATE ON user_progress
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- pgboot:down
DROP TABLE IF EXISTS user_progress;
DROP TABLE IF EXISTS exercises;
DROP TABLE IF EXISTS workouts;
DROP TABLE IF EXISTS session_audio_files;
DROP TABLE IF EXISTS workout_sessions;
