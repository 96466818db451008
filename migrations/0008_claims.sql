-- pgboot:up
-- MORSE migration 0008: claims. Detected workouts and recorded sessions
-- start unclaimed; a person claims them (through a linked device, a voice
-- match, or by hand). Claims are kept as history: releasing one closes it,
-- and at most one claim per workout / session is active.

CREATE TABLE workout_claims (
    id            serial      PRIMARY KEY,
    workout_id    uuid        NOT NULL REFERENCES workouts (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The device the claim was made through, if any.
    device_id     integer     REFERENCES user_devices (id) ON DELETE SET NULL,
    claim_method  text        NOT NULL DEFAULT 'manual',
    status        text        NOT NULL DEFAULT 'active',
    claimed_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz,
    CONSTRAINT workout_claims_method_valid CHECK (claim_method IN ('device', 'voice', 'manual', 'session', 'admin')),
    CONSTRAINT workout_claims_status_valid CHECK (status IN ('active', 'released')),
    CONSTRAINT workout_claims_released_consistent CHECK ((status = 'released') = (released_at IS NOT NULL)),
    CONSTRAINT workout_claims_period_ordered CHECK (released_at IS NULL OR released_at >= claimed_at)
);
COMMENT ON TABLE workout_claims IS 'Claim history of workouts; the active row mirrors workouts.user_id.';

CREATE INDEX workout_claims_workout_id_idx ON workout_claims (workout_id, claimed_at DESC);
CREATE INDEX workout_claims_user_id_idx ON workout_claims (user_id);
CREATE INDEX workout_claims_device_id_idx ON workout_claims (device_id);
CREATE UNIQUE INDEX workout_claims_one_active ON workout_claims (workout_id) WHERE status = 'active';

CREATE TABLE session_claims (
    id            serial      PRIMARY KEY,
    session_id    uuid        NOT NULL REFERENCES workout_sessions (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id     integer     REFERENCES user_devices (id) ON DELETE SET NULL,
    claim_method  text        NOT NULL DEFAULT 'device',
    status        text        NOT NULL DEFAULT 'active',
    claimed_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz,
    CONSTRAINT session_claims_method_valid CHECK (claim_method IN ('device', 'voice', 'manual', 'admin')),
    CONSTRAINT session_claims_status_valid CHECK (status IN ('active', 'released')),
    CONSTRAINT session_claims_released_consistent CHECK ((status = 'released') = (released_at IS NOT NULL)),
    CONSTRAINT session_claims_period_ordered CHECK (released_at IS NULL OR released_at >= claimed_at)
);
COMMENT ON TABLE session_claims IS 'Claim history of workout sessions; the active row mirrors workout_sessions.user_id.';

CREATE INDEX session_claims_session_id_idx ON session_claims (session_id, claimed_at DESC);
CREATE INDEX session_claims_user_id_idx ON session_claims (user_id);
CREATE INDEX session_claims_device_id_idx ON session_claims (device_id);
CREATE UNIQUE INDEX session_claims_one_active ON session_claims (session_id) WHERE status = 'active';

-- pgboot:down
DROP TABLE IF EXISTS session_claims;
DROP TABLE IF EXISTS workout_claims;
