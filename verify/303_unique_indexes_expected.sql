-- The uniqueness rules of the schema, each enforced by a valid unique index
-- (constraint-backed or partial), looked up by name.
-- pgboot:requires 0009
WITH expected (idx, rule) AS (VALUES
    ('users_email_lower_key',                  'one person per e-mail, case-insensitive'),
    ('app_users_user_id_key',                  'one login per person'),
    ('app_users_username_key',                 'usernames are unique'),
    ('app_users_email_lower_key',              'login e-mails are unique, case-insensitive'),
    ('user_devices_device_uuid_key',           'device uuids are unique'),
    ('device_links_one_open_per_device',       'a device has at most one open link'),
    ('session_detection_config_device_id_key', 'one config override per device'),
    ('session_detection_config_one_default',   'exactly one global default config'),
    ('audio_files_storage_path_key',           'one row per stored audio object'),
    ('transcriptions_one_completed_per_audio', 'at most one completed transcription per audio file'),
    ('session_audio_files_audio_file_id_key',  'an audio file is in at most one session'),
    ('session_audio_files_sequence_key',       'sequence numbers are unique within a session'),
    ('exercises_order_key',                    'exercise order is unique within a workout'),
    ('exercise_library_name_lower_key',        'library names are unique, case-insensitive'),
    ('user_progress_user_library_key',         'one progress row per person and library exercise'),
    ('voice_profiles_active_user_idx',         'one active voice profile per person'),
    ('workout_claims_one_active',              'one active claim per workout'),
    ('session_claims_one_active',              'one active claim per session'),
    ('teams_join_code_key',                    'join codes are unique'),
    ('teams_name_lower_key',                   'team names are unique, case-insensitive'),
    ('team_memberships_team_user_key',         'a person is in a team once'),
    ('team_memberships_one_owner',             'one owner membership per team')
)
SELECT format('unique index %s (%s) is %s', e.idx, e.rule,
              CASE WHEN i.indexrelid IS NULL THEN 'missing'
                   WHEN NOT i.indisunique THEN 'not unique'
                   ELSE 'invalid' END) AS violation
  FROM expected e
  LEFT JOIN pg_index i ON i.indexrelid = to_regclass(e.idx)
 WHERE i.indexrelid IS NULL OR NOT i.indisunique OR NOT i.indisvalid
 ORDER BY 1;
