-- Every created_at column of the MORSE tables is timestamptz NOT NULL
-- DEFAULT now().
SELECT format('%s.created_at is not timestamptz NOT NULL DEFAULT now()', a.attrelid::regclass) AS violation
  FROM unnest(ARRAY[
        'users', 'app_users', 'user_devices', 'device_links', 'session_detection_config',
        'audio_files', 'transcriptions', 'processing_jobs', 'exercise_library',
        'workout_sessions', 'session_audio_files', 'workouts', 'exercises', 'user_progress',
        'voice_profiles', 'speaker_verifications', 'workout_claims', 'session_claims',
        'teams', 'team_memberships', 'session_summaries', 'user_workout_summaries']) AS t
  JOIN pg_class c ON c.oid = to_regclass(t) AND c.relkind IN ('r', 'p')
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'created_at' AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.atttypid <> 'timestamptz'::regtype
    OR NOT a.attnotnull
    OR pg_get_expr(d.adbin, d.adrelid) IS DISTINCT FROM 'now()'
 ORDER BY 1;
