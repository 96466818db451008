-- No column of the MORSE tables and views is "timestamp without time zone":
-- devices record in many time zones, every instant is timestamptz.
SELECT format('%s.%s is timestamp without time zone', a.attrelid::regclass, a.attname) AS violation
  FROM unnest(ARRAY[
        'users', 'app_users', 'user_devices', 'device_links', 'session_detection_config',
        'audio_files', 'transcriptions', 'processing_jobs', 'exercise_library',
        'workout_sessions', 'session_audio_files', 'workouts', 'exercises', 'user_progress',
        'voice_profiles', 'speaker_verifications', 'workout_claims', 'session_claims',
        'teams', 'team_memberships', 'session_summaries', 'user_workout_summaries']) AS t
  JOIN pg_attribute a ON a.attrelid = to_regclass(t)
 WHERE a.attnum > 0 AND NOT a.attisdropped
   AND a.atttypid = 'timestamp'::regtype
 ORDER BY 1;
