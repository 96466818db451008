-- Every MORSE table says what it holds (COMMENT ON TABLE).
SELECT format('table %s has no comment', t) AS violation
  FROM unnest(ARRAY[
        'users', 'app_users', 'user_devices', 'device_links', 'session_detection_config',
        'audio_files', 'transcriptions', 'processing_jobs', 'exercise_library',
        'workout_sessions', 'session_audio_files', 'workouts', 'exercises', 'user_progress',
        'voice_profiles', 'speaker_verifications', 'workout_claims', 'session_claims',
        'teams', 'team_memberships']) AS t
 WHERE to_regclass(t) IS NOT NULL
   AND obj_description(to_regclass(t), 'pg_class') IS NULL
 ORDER BY 1;
