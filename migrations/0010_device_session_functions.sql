-- pgboot:up
-- MORSE migration 0010: functions for devices and sessions.
--
-- Every function pins its search_path to the schema the migration ran in
-- (SET search_path FROM CURRENT), so it neither depends on nor can be
-- hijacked through the caller's search_path.
--
-- Errors use standard SQLSTATEs the app can branch on:
--   22023 invalid_parameter_value  malformed suffix or argument
--   P0002 no_data_found            no such device / session
--   P0003 too_many_rows            a suffix matching several devices

-- All active devices whose uuid ends with the suffix (case-insensitive),
-- most recently seen first. The WHERE clause repeats the indexed expression
-- RIGHT(device_uuid, 4) exactly, so it is answered from
-- user_devices_device_suffix_idx.
CREATE FUNCTION find_device_by_suffix(p_suffix text) RETURNS SETOF user_devices
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $fn$
    SELECT d.*
      FROM user_devices d
     WHERE RIGHT(d.device_uuid, 4) = lower(p_suffix)
       AND d.is_active
     ORDER BY d.last_seen_at DESC NULLS LAST, d.id;
$fn$;
COMMENT ON FUNCTION find_device_by_suffix(text) IS
    'Active devices whose uuid ends with the given 4 characters (0, 1 or more rows).';

-- Exactly one device for a suffix, or an error saying why not.
CREATE FUNCTION resolve_device(p_suffix text) RETURNS user_devices
    LANGUAGE plpgsql STABLE
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_device user_devices;
    v_count  integer;
BEGIN
    IF p_suffix IS NULL OR p_suffix !~* '^[0-9a-f]{4}$' THEN
        RAISE EXCEPTION 'invalid device suffix "%"', p_suffix
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A device suffix is the last 4 hexadecimal characters of the device uuid.';
    END IF;
    SELECT count(*) INTO v_count FROM find_device_by_suffix(p_suffix);
    IF v_count = 0 THEN
        RAISE EXCEPTION 'no active device ends with "%"', lower(p_suffix)
            USING ERRCODE = 'no_data_found';
    ELSIF v_count > 1 THEN
        RAISE EXCEPTION 'device suffix "%" is ambiguous', lower(p_suffix)
            USING ERRCODE = 'too_many_rows',
                  DETAIL = format('%s active devices end with "%s".', v_count, lower(p_suffix)),
                  HINT = 'Use the full device uuid.';
    END IF;
    SELECT * INTO v_device FROM find_device_by_suffix(p_suffix);
    RETURN v_device;
END;
$fn$;
COMMENT ON FUNCTION resolve_device(text) IS
    'The one active device with this suffix; raises no_data_found / too_many_rows otherwise.';

-- Links the device to a person, closing its previous link. Linking a device
-- to the person it is already linked to returns the existing link.
CREATE FUNCTION link_device(p_suffix text, p_user_id uuid, p_linked_via text DEFAULT 'suffix')
    RETURNS device_links
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_device user_devices;
    v_link   device_links;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user_id) THEN
        RAISE EXCEPTION 'user % does not exist', p_user_id USING ERRCODE = 'no_data_found';
    END IF;
    v_device := resolve_device(p_suffix);
    -- Serialize concurrent links of the same device.
    PERFORM 1 FROM user_devices WHERE id = v_device.id FOR UPDATE;

    SELECT * INTO v_link FROM device_links WHERE device_id = v_device.id AND unlinked_at IS NULL;
    IF FOUND THEN
        IF v_link.user_id = p_user_id THEN
            RETURN v_link;
        END IF;
        UPDATE device_links SET unlinked_at = now() WHERE id = v_link.id;
    END IF;

    INSERT INTO device_links (device_id, user_id, linked_via)
    VALUES (v_device.id, p_user_id, p_linked_via)
    RETURNING * INTO v_link;
    UPDATE user_devices SET user_id = p_user_id, last_seen_at = now() WHERE id = v_device.id;
    RETURN v_link;
END;
$fn$;
COMMENT ON FUNCTION link_device(text, uuid, text) IS
    'Link the device with this suffix to a person (closing any previous link); idempotent.';

-- Closes the device's current link. Returns false when it was not linked.
CREATE FUNCTION unlink_device(p_suffix text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_device user_devices;
BEGIN
    v_device := resolve_device(p_suffix);
    PERFORM 1 FROM user_devices WHERE id = v_device.id FOR UPDATE;
    UPDATE device_links SET unlinked_at = now() WHERE device_id = v_device.id AND unlinked_at IS NULL;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE user_devices SET user_id = NULL WHERE id = v_device.id;
    RETURN true;
END;
$fn$;
COMMENT ON FUNCTION unlink_device(text) IS 'Close the current link of the device with this suffix.';

-- The session cutting parameters in force for a device: its own row, or
-- the global default.
CREATE FUNCTION session_detection_settings(p_device_id integer) RETURNS session_detection_config
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $fn$
    SELECT c.*
      FROM session_detection_config c
     WHERE c.device_id = p_device_id OR c.device_id IS NULL
     ORDER BY c.device_id NULLS LAST
     LIMIT 1;
$fn$;
COMMENT ON FUNCTION session_detection_settings(integer) IS
    'Effective session detection config of a device (its override, else the global default).';

-- Opens a recording session on a device. A device records one session at
-- a time: a still-recording session of the device is returned instead.
CREATE FUNCTION start_session(p_suffix text, p_title text DEFAULT NULL) RETURNS workout_sessions
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_device  user_devices;
    v_session workout_sessions;
BEGIN
    v_device := resolve_device(p_suffix);
    PERFORM 1 FROM user_devices WHERE id = v_device.id FOR UPDATE;
    SELECT * INTO v_session
      FROM workout_sessions
     WHERE device_id = v_device.id AND status = 'recording'
     ORDER BY started_at DESC
     LIMIT 1;
    IF FOUND THEN
        RETURN v_session;
    END IF;
    INSERT INTO workout_sessions (device_id, title) VALUES (v_device.id, p_title)
    RETURNING * INTO v_session;
    UPDATE user_devices SET last_seen_at = now() WHERE id = v_device.id;
    RETURN v_session;
END;
$fn$;
COMMENT ON FUNCTION start_session(text, text) IS
    'Open (or return the open) recording session of the device with this suffix.';

-- Appends an audio file to a session, with the next sequence number.
CREATE FUNCTION add_audio_to_session(p_session_id uuid, p_audio_file_id uuid) RETURNS session_audio_files
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_row session_audio_files;
BEGIN
    PERFORM 1 FROM workout_sessions WHERE id = p_session_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'workout session % does not exist', p_session_id USING ERRCODE = 'no_data_found';
    END IF;
    SELECT * INTO v_row FROM session_audio_files
     WHERE session_id = p_session_id AND audio_file_id = p_audio_file_id;
    IF FOUND THEN
        RETURN v_row;
    END IF;
    INSERT INTO session_audio_files (session_id, audio_file_id, sequence_no)
    SELECT p_session_id, p_audio_file_id, coalesce(max(sequence_no), 0) + 1
      FROM session_audio_files WHERE session_id = p_session_id
    RETURNING * INTO v_row;
    RETURN v_row;
END;
$fn$;
COMMENT ON FUNCTION add_audio_to_session(uuid, uuid) IS
    'Append an audio file to a session (next sequence_no); idempotent.';

-- Ends a recording session.
CREATE FUNCTION end_session(p_session_id uuid) RETURNS workout_sessions
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_session workout_sessions;
BEGIN
    UPDATE workout_sessions
       SET status = 'ended', ended_at = greatest(now(), started_at)
     WHERE id = p_session_id AND status = 'recording'
    RETURNING * INTO v_session;
    IF NOT FOUND THEN
        SELECT * INTO v_session FROM workout_sessions WHERE id = p_session_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'workout session % does not exist', p_session_id USING ERRCODE = 'no_data_found';
        END IF;
    END IF;
    RETURN v_session;
END;
$fn$;
COMMENT ON FUNCTION end_session(uuid) IS 'End a recording session (no-op when already ended).';

-- pgboot:down
DROP FUNCTION IF EXISTS end_session(uuid);
DROP FUNCTION IF EXISTS add_audio_to_session(uuid, uuid);
DROP FUNCTION IF EXISTS start_session(text, text);
DROP FUNCTION IF EXISTS session_detection_settings(integer);
DROP FUNCTION IF EXISTS unlink_device(text);
DROP FUNCTION IF EXISTS link_device(text, uuid, text);
DROP FUNCTION IF EXISTS resolve_device(text);
DROP FUNCTION IF EXISTS find_device_by_suffix(text);
