-- pgboot:up
-- MORSE migration 0003: recording devices, who they belong to, and how they
-- cut audio into sessions.
--
-- A device is known by its uuid, but people name a device by the last four
-- characters of it (printed on the case, spoken to the app): hence the
-- expression index on RIGHT(device_uuid, 4). Suffixes are not unique, so
-- every lookup must cope with 0, 1 or several matches.

CREATE TABLE user_devices (
    id             serial      PRIMARY KEY,
    device_uuid    text        NOT NULL,
    -- Current owner; NULL while the device is not linked to anyone.
    -- Deleting the person keeps the (physical) device, unlinked.
    user_id        uuid        REFERENCES users (id) ON DELETE SET NULL,
    device_name    text        NOT NULL DEFAULT 'MORSE recorder',
    device_type    text        NOT NULL DEFAULT 'recorder',
    firmware_version text,
    is_active      boolean     NOT NULL DEFAULT true,
    last_seen_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- Stored in canonical lowercase form so that RIGHT(device_uuid, 4) and
    -- equality need no lower() at query time.
    CONSTRAINT user_devices_device_uuid_format
        CHECK (device_uuid ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    CONSTRAINT user_devices_device_type_valid
        CHECK (device_type IN ('recorder', 'phone', 'watch', 'tablet', 'web')),
    CONSTRAINT user_devices_device_uuid_key UNIQUE (device_uuid)
);
COMMENT ON TABLE user_devices IS 'Recording devices; identified by people through the last 4 characters of device_uuid.';
COMMENT ON COLUMN user_devices.device_uuid IS 'Canonical lowercase uuid text; RIGHT(device_uuid, 4) is the spoken/printed suffix.';

CREATE INDEX user_devices_device_suffix_idx ON user_devices (RIGHT(device_uuid, 4));
CREATE INDEX user_devices_user_id_idx ON user_devices (user_id);

CREATE TRIGGER user_devices_set_updated_at
    BEFORE UPDATE ON user_devices
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- History of who a device was linked to. The open row (unlinked_at IS NULL)
-- is the current link and mirrors user_devices.user_id.
CREATE TABLE device_links (
    id           serial      PRIMARY KEY,
    device_id    integer     NOT NULL REFERENCES user_devices (id) ON DELETE CASCADE,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_via   text        NOT NULL DEFAULT 'suffix',
    linked_at    timestamptz NOT NULL DEFAULT now(),
    unlinked_at  timestamptz,
    CONSTRAINT device_links_linked_via_valid CHECK (linked_via IN ('suffix', 'qr', 'admin', 'seed')),
    CONSTRAINT device_links_period_ordered CHECK (unlinked_at IS NULL OR unlinked_at >= linked_at)
);
COMMENT ON TABLE device_links IS 'Link history between devices and people; the open row is the current owner.';

CREATE INDEX device_links_device_id_idx ON device_links (device_id, linked_at DESC);
CREATE INDEX device_links_user_id_idx ON device_links (user_id);
-- At most one open link per device.
CREATE UNIQUE INDEX device_links_one_open_per_device ON device_links (device_id) WHERE unlinked_at IS NULL;

-- How a device's audio is cut into workout sessions. The row with
-- device_id NULL is the global default; a device may override it.
CREATE TABLE session_detection_config (
    id                        serial       PRIMARY KEY,
    device_id                 integer      UNIQUE REFERENCES user_devices (id) ON DELETE CASCADE,
    silence_gap_seconds       integer      NOT NULL DEFAULT 600,
    min_session_seconds       integer      NOT NULL DEFAULT 120,
    max_session_seconds       integer      NOT NULL DEFAULT 14400,
    voice_activity_threshold  numeric(3,2) NOT NULL DEFAULT 0.50,
    require_speaker_match     boolean      NOT NULL DEFAULT false,
    created_at                timestamptz  NOT NULL DEFAULT now(),
    updated_at                timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT session_detection_config_gap_range CHECK (silence_gap_seconds BETWEEN 10 AND 7200),
    CONSTRAINT session_detection_config_min_positive CHECK (min_session_seconds > 0),
    CONSTRAINT session_detection_config_min_le_max CHECK (min_session_seconds <= max_session_seconds),
    CONSTRAINT session_detection_config_vad_range CHECK (voice_activity_threshold BETWEEN 0 AND 1)
);
COMMENT ON TABLE session_detection_config IS 'Session cutting parameters: device_id NULL is the global default, other rows override per device.';

-- Exactly one global default row can exist.
CREATE UNIQUE INDEX session_detection_config_one_default
    ON session_detection_config ((device_id IS NULL)) WHERE device_id IS NULL;

CREATE TRIGGER session_detection_config_set_updated_at
    BEFORE UPDATE ON session_detection_config
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The global default is configuration, not test data: the app needs it.
INSERT INTO session_detection_config (device_id) VALUES (NULL);

-- pgboot:down
DROP TABLE IF EXISTS session_detection_config;
DROP TABLE IF EXISTS device_links;
DROP TABLE IF EXISTS user_devices;
