-- pgboot:up
-- MORSE migration 0012: the summary views the app's screens read, and the
-- functions built on them.

-- One row per workout session: device, claimant, audio and detection counts.
-- Counts come from LATERAL subqueries so that joining audio and workouts
-- cannot multiply each other's rows.
CREATE VIEW session_summaries AS
SELECT s.id                                  AS session_id,
       s.device_id,
       RIGHT(d.device_uuid, 4)               AS device_suffix,
       d.device_name,
       s.user_id,
       u.display_name                        AS claimed_by,
       s.user_id IS NOT NULL                 AS is_claimed,
       s.claimed_at,
       s.title,
       s.status,
       s.started_at,
       s.ended_at,
       EXTRACT(epoch FROM s.ended_at - s.started_at)::integer AS duration_seconds,
       a.audio_file_count,
       a.total_audio_ms,
       a.transcribed_count,
       w.workout_count,
       w.exercise_count
  FROM workout_sessions s
  LEFT JOIN user_devices d ON d.id = s.device_id
  LEFT JOIN users u ON u.id = s.user_id
  CROSS JOIN LATERAL (
        SELECT count(*)                           AS audio_file_count,
               coalesce(sum(af.duration_ms), 0)   AS total_audio_ms,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM transcriptions t
                    WHERE t.audio_file_id = af.id AND t.status = 'completed'))
                                                  AS transcribed_count
          FROM session_audio_files sa
          JOIN audio_files af ON af.id = sa.audio_file_id
         WHERE sa.session_id = s.id) a
  CROSS JOIN LATERAL (
        SELECT count(DISTINCT wo.id) AS workout_count,
               count(e.id)           AS exercise_count
          FROM workouts wo
          LEFT JOIN exercises e ON e.workout_id = wo.id
         WHERE wo.session_id = s.id) w;
COMMENT ON VIEW session_summaries IS
    'Per workout session: device suffix, claimant, audio/transcription/workout/exercise counts.';

-- One row per person: workout totals, muscle groups trained, devices, teams.
CREATE VIEW user_workout_summaries AS
SELECT u.id                                    AS user_id,
       u.display_name,
       w.workout_count,
       w.first_workout_at,
       w.last_workout_at,
       e.exercise_count,
       e.total_sets,
       e.total_reps,
       e.total_volume_kg,
       ARRAY(SELECT DISTINCT mg
               FROM workouts wo
               JOIN exercises ex ON ex.workout_id = wo.id
              CROSS JOIN LATERAL unnest(ex.muscle_groups) AS mg
              WHERE wo.user_id = u.id
              ORDER BY mg)                     AS muscle_groups_trained,
       (SELECT count(*) FROM user_devices d WHERE d.user_id = u.id)      AS device_count,
       (SELECT count(*) FROM team_memberships tm WHERE tm.user_id = u.id) AS team_count
  FROM users u
  CROSS JOIN LATERAL (
        SELECT count(*)        AS workout_count,
               min(started_at) AS first_workout_at,
               max(started_at) AS last_workout_at
          FROM workouts wo
         WHERE wo.user_id = u.id) w
  CROSS JOIN LATERAL (
        SELECT count(ex.id)                                                    AS exercise_count,
               coalesce(sum(ex.sets), 0)                                       AS total_sets,
               coalesce(sum(ex.sets::integer * ex.reps), 0)                    AS total_reps,
               coalesce(sum(ex.sets::integer * ex.reps * ex.weight_kg), 0)     AS total_volume_kg
          FROM workouts wo
          JOIN exercises ex ON ex.workout_id = wo.id
         WHERE wo.user_id = u.id) e;
COMMENT ON VIEW user_workout_summaries IS
    'Per person: workouts, exercises, sets, reps, volume (kg), muscle groups, devices and teams.';

CREATE FUNCTION get_user_workout_summary(p_user_id uuid) RETURNS SETOF user_workout_summaries
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $fn$
    SELECT * FROM user_workout_summaries WHERE user_id = p_user_id;
$fn$;
COMMENT ON FUNCTION get_user_workout_summary(uuid) IS 'The user_workout_summaries row of one person.';

-- The sessions a device recorded that nobody has claimed yet, newest first.
CREATE FUNCTION get_unclaimed_sessions(p_suffix text) RETURNS SETOF session_summaries
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $fn$
    SELECT ss.*
      FROM session_summaries ss
     WHERE NOT ss.is_claimed
       AND ss.device_id IN (SELECT d.id FROM find_device_by_suffix(p_suffix) d)
     ORDER BY ss.started_at DESC;
$fn$;
COMMENT ON FUNCTION get_unclaimed_sessions(text) IS
    'Unclaimed sessions recorded on the device(s) with this suffix, newest first.';

-- A team's leaderboard: members with their workout totals.
CREATE FUNCTION get_team_summary(p_team_id uuid)
    RETURNS TABLE (user_id uuid, display_name text, role text, workout_count bigint,
                   last_workout_at timestamptz, total_volume_kg numeric)
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $fn$
    SELECT s.user_id, s.display_name, tm.role, s.workout_count, s.last_workout_at, s.total_volume_kg
      FROM team_memberships tm
      JOIN user_workout_summaries s ON s.user_id = tm.user_id
     WHERE tm.team_id = p_team_id
     ORDER BY s.total_volume_kg DESC, s.display_name;
$fn$;
COMMENT ON FUNCTION get_team_summary(uuid) IS 'Members of a team with their workout totals, by volume.';

-- pgboot:down
DROP FUNCTION IF EXISTS get_team_summary(uuid);
DROP FUNCTION IF EXISTS get_unclaimed_sessions(text);
DROP FUNCTION IF EXISTS get_user_workout_summary(uuid);
DROP VIEW IF EXISTS user_workout_summaries;
DROP VIEW IF EXISTS session_summaries;
