-- pgboot:up
-- MORSE migration 0007: voice profiles (speaker embeddings) and the
-- speaker verifications run on audio files against them.

CREATE TABLE voice_profiles (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Biometric data: it goes with the person.
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    embedding        real[]      NOT NULL,
    embedding_model  text        NOT NULL,
    sample_count     integer     NOT NULL DEFAULT 1,
    is_active        boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    deactivated_at   timestamptz,
    CONSTRAINT voice_profiles_embedding_dims
        CHECK (array_ndims(embedding) = 1 AND cardinality(embedding) BETWEEN 16 AND 4096),
    CONSTRAINT voice_profiles_sample_count_positive CHECK (sample_count > 0),
    CONSTRAINT voice_profiles_active_not_deactivated
        CHECK (is_active = (deactivated_at IS NULL))
);
COMMENT ON TABLE voice_profiles IS 'Speaker embeddings; at most one active profile per person.';

CREATE INDEX voice_profiles_user_id_idx ON voice_profiles (user_id, created_at DESC);
-- The partial index verification reads: the one active profile per person.
CREATE UNIQUE INDEX voice_profiles_active_user_idx ON voice_profiles (user_id) WHERE is_active;

CREATE TABLE speaker_verifications (
    id                uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    audio_file_id     uuid         NOT NULL REFERENCES audio_files (id) ON DELETE CASCADE,
    -- The profile compared against; the result stays when it is replaced.
    voice_profile_id  uuid         REFERENCES voice_profiles (id) ON DELETE SET NULL,
    matched_user_id   uuid         REFERENCES users (id) ON DELETE SET NULL,
    score             numeric(5,4) NOT NULL,
    threshold         numeric(5,4) NOT NULL DEFAULT 0.7500,
    is_match          boolean      NOT NULL,
    verified_at       timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT speaker_verifications_score_range CHECK (score BETWEEN 0 AND 1),
    CONSTRAINT speaker_verifications_threshold_range CHECK (threshold BETWEEN 0 AND 1),
    CONSTRAINT speaker_verifications_match_consistent CHECK (is_match = (score >= threshold)),
    CONSTRAINT speaker_verifications_match_has_user CHECK (NOT is_match OR matched_user_id IS NOT NULL)
);
COMMENT ON TABLE speaker_verifications IS 'Results of comparing an audio file''s speaker with a voice profile.';

CREATE INDEX speaker_verifications_audio_file_id_idx ON speaker_verifications (audio_file_id, verified_at DESC);
CREATE INDEX speaker_verifications_voice_profile_id_idx ON speaker_verifications (voice_profile_id);
CREATE INDEX speaker_verifications_matched_user_id_idx ON speaker_verifications (matched_user_id);

-- pgboot:down
DROP TABLE IF EXISTS speaker_verifications;
DROP TABLE IF EXISTS voice_profiles;
