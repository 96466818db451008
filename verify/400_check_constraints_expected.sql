-- The CHECK constraints that carry the schema's rules exist (by name).
-- pgboot:requires 0009
WITH expected (tbl, con) AS (VALUES
    ('users',                    'users_email_format'),
    ('app_users',                'app_users_password_is_bcrypt'),
    ('app_users',                'app_users_role_valid'),
    ('app_users',                'app_users_username_format'),
    ('user_devices',             'user_devices_device_uuid_format'),
    ('device_links',             'device_links_period_ordered'),
    ('session_detection_config', 'session_detection_config_min_le_max'),
    ('audio_files',              'audio_files_status_valid'),
    ('audio_files',              'audio_files_duration_nonneg'),
    ('transcriptions',           'transcriptions_status_valid'),
    ('transcriptions',           'transcriptions_completed_has_text'),
    ('transcriptions',           'transcriptions_confidence_range'),
    ('processing_jobs',          'processing_jobs_status_valid'),
    ('exercise_library',         'exercise_library_category_valid'),
    ('workout_sessions',         'workout_sessions_status_valid'),
    ('workout_sessions',         'workout_sessions_claim_consistent'),
    ('workouts',                 'workouts_period_ordered'),
    ('exercises',                'exercises_sets_range'),
    ('exercises',                'exercises_reps_range'),
    ('exercises',                'exercises_weight_nonneg'),
    ('voice_profiles',           'voice_profiles_embedding_dims'),
    ('voice_profiles',           'voice_profiles_active_not_deactivated'),
    ('speaker_verifications',    'speaker_verifications_score_range'),
    ('workout_claims',           'workout_claims_released_consistent'),
    ('session_claims',           'session_claims_released_consistent'),
    ('teams',                    'teams_join_code_format'),
    ('team_memberships',         'team_memberships_role_valid')
)
SELECT format('CHECK constraint %s on %s is missing', e.con, e.tbl) AS violation
  FROM expected e
 WHERE NOT EXISTS (
       SELECT 1 FROM pg_constraint c
        WHERE c.conrelid = to_regclass(e.tbl) AND c.conname = e.con AND c.contype = 'c')
 ORDER BY 1;
