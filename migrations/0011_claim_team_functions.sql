-- pgboot:up
-- MORSE migration 0011: claiming workouts and sessions, and teams.
--
-- Claims lock the claimed row (FOR UPDATE), so two people claiming the
-- same session at once are serialized: the first wins, the second gets
-- unique_violation (23505) naming the claimant. Claiming what one already
-- holds returns the existing claim.

CREATE FUNCTION claim_workout(p_workout_id uuid, p_user_id uuid,
                              p_device_id integer DEFAULT NULL,
                              p_method text DEFAULT 'manual')
    RETURNS workout_claims
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_claim workout_claims;
    v_owner uuid;
BEGIN
    SELECT user_id INTO v_owner FROM workouts WHERE id = p_workout_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'workout % does not exist', p_workout_id USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user_id) THEN
        RAISE EXCEPTION 'user % does not exist', p_user_id USING ERRCODE = 'no_data_found';
    END IF;

    SELECT * INTO v_claim FROM workout_claims WHERE workout_id = p_workout_id AND status = 'active';
    IF FOUND THEN
        IF v_claim.user_id = p_user_id THEN
            RETURN v_claim;
        END IF;
        RAISE EXCEPTION 'workout % is already claimed', p_workout_id
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Claimed by user %s at %s.', v_claim.user_id, v_claim.claimed_at);
    END IF;
    -- A workout entered by hand belongs to its author without a claim.
    IF v_owner IS NOT NULL AND v_owner <> p_user_id THEN
        RAISE EXCEPTION 'workout % belongs to another user', p_workout_id
            USING ERRCODE = 'unique_violation';
    END IF;

    INSERT INTO workout_claims (workout_id, user_id, device_id, claim_method)
    VALUES (p_workout_id, p_user_id, p_device_id, p_method)
    RETURNING * INTO v_claim;
    UPDATE workouts SET user_id = p_user_id WHERE id = p_workout_id;
    RETURN v_claim;
END;
$fn$;
COMMENT ON FUNCTION claim_workout(uuid, uuid, integer, text) IS
    'Claim a workout for a person; idempotent for the same person, unique_violation for another.';

CREATE FUNCTION release_workout_claim(p_workout_id uuid, p_user_id uuid) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
BEGIN
    PERFORM 1 FROM workouts WHERE id = p_workout_id FOR UPDATE;
    UPDATE workout_claims SET status = 'released', released_at = now()
     WHERE workout_id = p_workout_id AND user_id = p_user_id AND status = 'active';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE workouts SET user_id = NULL WHERE id = p_workout_id AND user_id = p_user_id;
    RETURN true;
END;
$fn$;
COMMENT ON FUNCTION release_workout_claim(uuid, uuid) IS
    'Release a person''s active claim on a workout; false when there was none.';

-- Claims a session and, with it, its unclaimed recordings and workouts.
CREATE FUNCTION claim_session(p_session_id uuid, p_user_id uuid,
                              p_device_id integer DEFAULT NULL,
                              p_method text DEFAULT 'device')
    RETURNS session_claims
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_claim session_claims;
BEGIN
    PERFORM 1 FROM workout_sessions WHERE id = p_session_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'workout session % does not exist', p_session_id USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user_id) THEN
        RAISE EXCEPTION 'user % does not exist', p_user_id USING ERRCODE = 'no_data_found';
    END IF;

    SELECT * INTO v_claim FROM session_claims WHERE session_id = p_session_id AND status = 'active';
    IF FOUND THEN
        IF v_claim.user_id = p_user_id THEN
            RETURN v_claim;
        END IF;
        RAISE EXCEPTION 'workout session % is already claimed', p_session_id
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Claimed by user %s at %s.', v_claim.user_id, v_claim.claimed_at);
    END IF;

    INSERT INTO session_claims (session_id, user_id, device_id, claim_method)
    VALUES (p_session_id, p_user_id, p_device_id, p_method)
    RETURNING * INTO v_claim;
    UPDATE workout_sessions SET user_id = p_user_id, claimed_at = v_claim.claimed_at
     WHERE id = p_session_id;

    UPDATE audio_files a SET user_id = p_user_id
      FROM session_audio_files sa
     WHERE sa.session_id = p_session_id AND a.id = sa.audio_file_id AND a.user_id IS NULL;

    PERFORM claim_workout(w.id, p_user_id, p_device_id, 'session')
       FROM workouts w
      WHERE w.session_id = p_session_id AND w.user_id IS NULL
      ORDER BY w.id;
    RETURN v_claim;
END;
$fn$;
COMMENT ON FUNCTION claim_session(uuid, uuid, integer, text) IS
    'Claim a session with its unclaimed audio files and workouts; idempotent for the same person.';

-- "This was me on that device": claims the device's most recent unclaimed,
-- finished session.
CREATE FUNCTION claim_session_via_device(p_suffix text, p_user_id uuid) RETURNS session_claims
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_device     user_devices;
    v_session_id uuid;
BEGIN
    v_device := resolve_device(p_suffix);
    SELECT s.id INTO v_session_id
      FROM workout_sessions s
     WHERE s.device_id = v_device.id AND s.user_id IS NULL AND s.status <> 'recording'
     ORDER BY s.started_at DESC
     LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'device "%" has no unclaimed session', lower(p_suffix)
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN claim_session(v_session_id, p_user_id, v_device.id, 'device');
END;
$fn$;
COMMENT ON FUNCTION claim_session_via_device(text, uuid) IS
    'Claim the latest unclaimed finished session recorded on the device with this suffix.';

-- Releases a session claim and what claim_session took with it.
CREATE FUNCTION release_session_claim(p_session_id uuid, p_user_id uuid) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
BEGIN
    PERFORM 1 FROM workout_sessions WHERE id = p_session_id FOR UPDATE;
    UPDATE session_claims SET status = 'released', released_at = now()
     WHERE session_id = p_session_id AND user_id = p_user_id AND status = 'active';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE workout_sessions SET user_id = NULL, claimed_at = NULL WHERE id = p_session_id;
    UPDATE audio_files a SET user_id = NULL
      FROM session_audio_files sa
     WHERE sa.session_id = p_session_id AND a.id = sa.audio_file_id AND a.user_id = p_user_id;
    PERFORM release_workout_claim(c.workout_id, p_user_id)
       FROM workout_claims c
       JOIN workouts w ON w.id = c.workout_id
      WHERE w.session_id = p_session_id AND c.user_id = p_user_id
        AND c.status = 'active' AND c.claim_method = 'session';
    RETURN true;
END;
$fn$;
COMMENT ON FUNCTION release_session_claim(uuid, uuid) IS
    'Release a person''s session claim, with the audio and workouts it claimed; false when none.';

-- Creates a team with a fresh random join code; the owner becomes its
-- first member (role owner).
CREATE FUNCTION create_team(p_name text, p_owner_user_id uuid,
                            p_description text DEFAULT NULL,
                            p_max_members integer DEFAULT 50)
    RETURNS teams
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_team       teams;
    v_constraint text;
BEGIN
    LOOP
        BEGIN
            INSERT INTO teams (name, description, owner_user_id, join_code, max_members)
            VALUES (p_name, p_description, p_owner_user_id,
                    upper(encode(gen_random_bytes(4), 'hex')), p_max_members)
            RETURNING * INTO v_team;
            EXIT;
        EXCEPTION WHEN unique_violation THEN
            -- Retry a join code collision; anything else (a taken team
            -- name) is the caller's error.
            GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
            IF v_constraint IS DISTINCT FROM 'teams_join_code_key' THEN
                RAISE;
            END IF;
        END;
    END LOOP;
    INSERT INTO team_memberships (team_id, user_id, role) VALUES (v_team.id, p_owner_user_id, 'owner');
    RETURN v_team;
END;
$fn$;
COMMENT ON FUNCTION create_team(text, uuid, text, integer) IS
    'Create a team with a random 8-character join code; the owner joins as owner.';

CREATE FUNCTION join_team(p_join_code text, p_user_id uuid) RETURNS team_memberships
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_team       teams;
    v_membership team_memberships;
BEGIN
    -- Locking the team serializes joins, so max_members holds.
    SELECT * INTO v_team FROM teams WHERE join_code = upper(btrim(p_join_code)) FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no team has join code "%"', p_join_code USING ERRCODE = 'no_data_found';
    END IF;
    SELECT * INTO v_membership FROM team_memberships WHERE team_id = v_team.id AND user_id = p_user_id;
    IF FOUND THEN
        RETURN v_membership;
    END IF;
    IF (SELECT count(*) FROM team_memberships WHERE team_id = v_team.id) >= v_team.max_members THEN
        RAISE EXCEPTION 'team "%" is full', v_team.name
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The team has its maximum of %s members.', v_team.max_members);
    END IF;
    INSERT INTO team_memberships (team_id, user_id) VALUES (v_team.id, p_user_id)
    RETURNING * INTO v_membership;
    RETURN v_membership;
END;
$fn$;
COMMENT ON FUNCTION join_team(text, uuid) IS 'Join the team with this join code; idempotent.';

CREATE FUNCTION leave_team(p_team_id uuid, p_user_id uuid) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM teams WHERE id = p_team_id AND owner_user_id = p_user_id) THEN
        RAISE EXCEPTION 'the owner cannot leave team %', p_team_id
            USING ERRCODE = 'check_violation',
                  HINT = 'Transfer the ownership first (transfer_team_ownership).';
    END IF;
    DELETE FROM team_memberships WHERE team_id = p_team_id AND user_id = p_user_id;
    RETURN FOUND;
END;
$fn$;
COMMENT ON FUNCTION leave_team(uuid, uuid) IS 'Leave a team; false when not a member. Owners must transfer first.';

CREATE FUNCTION transfer_team_ownership(p_team_id uuid, p_new_owner_id uuid) RETURNS teams
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
DECLARE
    v_team teams;
BEGIN
    SELECT * INTO v_team FROM teams WHERE id = p_team_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team % does not exist', p_team_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_team.owner_user_id = p_new_owner_id THEN
        RETURN v_team;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM team_memberships WHERE team_id = p_team_id AND user_id = p_new_owner_id) THEN
        RAISE EXCEPTION 'user % is not a member of team %', p_new_owner_id, p_team_id
            USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE team_memberships SET role = 'coach' WHERE team_id = p_team_id AND role = 'owner';
    UPDATE team_memberships SET role = 'owner' WHERE team_id = p_team_id AND user_id = p_new_owner_id;
    UPDATE teams SET owner_user_id = p_new_owner_id WHERE id = p_team_id RETURNING * INTO v_team;
    RETURN v_team;
END;
$fn$;
COMMENT ON FUNCTION transfer_team_ownership(uuid, uuid) IS
    'Hand a team to another member; the previous owner stays as coach.';

-- pgboot:down
DROP FUNCTION IF EXISTS transfer_team_ownership(uuid, uuid);
DROP FUNCTION IF EXISTS leave_team(uuid, uuid);
DROP FUNCTION IF EXISTS join_team(text, uuid);
DROP FUNCTION IF EXISTS create_team(text, uuid, text, integer);
DROP FUNCTION IF EXISTS release_session_claim(uuid, uuid);
DROP FUNCTION IF EXISTS claim_session_via_device(text, uuid);
DROP FUNCTION IF EXISTS claim_session(uuid, uuid, integer, text);
DROP FUNCTION IF EXISTS release_workout_claim(uuid, uuid);
DROP FUNCTION IF EXISTS claim_workout(uuid, uuid, integer, text);
