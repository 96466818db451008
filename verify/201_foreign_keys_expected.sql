-- Each relationship of the MORSE schema exists, with the ON DELETE action
-- chosen for it: CASCADE for what belongs to its parent, SET NULL for what
-- outlives it, RESTRICT for what must be dealt with first.
-- pgboot:requires 0009
WITH expected (tbl, col, ref_tbl, ref_col, on_delete) AS (VALUES
    ('app_users',             'user_id',          'users',            'id', 'CASCADE'),
    ('user_devices',          'user_id',          'users',            'id', 'SET NULL'),
    ('device_links',          'device_id',        'user_devices',     'id', 'CASCADE'),
    ('device_links',          'user_id',          'users',            'id', 'CASCADE'),
    ('session_detection_config', 'device_id',     'user_devices',     'id', 'CASCADE'),
    ('audio_files',           'device_id',        'user_devices',     'id', 'SET NULL'),
    ('audio_files',           'user_id',          'users',            'id', 'CASCADE'),
    ('transcriptions',        'audio_file_id',    'audio_files',      'id', 'CASCADE'),
    ('processing_jobs',       'audio_file_id',    'audio_files',      'id', 'CASCADE'),
    ('workout_sessions',      'device_id',        'user_devices',     'id', 'SET NULL'),
    ('workout_sessions',      'user_id',          'users',            'id', 'SET NULL'),
    ('session_audio_files',   'session_id',       'workout_sessions', 'id', 'CASCADE'),
    ('session_audio_files',   'audio_file_id',    'audio_files',      'id', 'CASCADE'),
    ('workouts',              'user_id',          'users',            'id', 'CASCADE'),
    ('workouts',              'session_id',       'workout_sessions', 'id', 'SET NULL'),
    ('workouts',              'audio_file_id',    'audio_files',      'id', 'SET NULL'),
    ('workouts',              'transcription_id', 'transcriptions',   'id', 'SET NULL'),
    ('exercises',             'workout_id',       'workouts',         'id', 'CASCADE'),
    ('exercises',             'library_id',       'exercise_library', 'id', 'RESTRICT'),
    ('exercises',             'transcription_id', 'transcriptions',   'id', 'SET NULL'),
    ('user_progress',         'user_id',          'users',            'id', 'CASCADE'),
    ('user_progress',         'library_id',       'exercise_library', 'id', 'CASCADE'),
    ('voice_profiles',        'user_id',          'users',            'id', 'CASCADE'),
    ('speaker_verifications', 'audio_file_id',    'audio_files',      'id', 'CASCADE'),
    ('speaker_verifications', 'voice_profile_id', 'voice_profiles',   'id', 'SET NULL'),
    ('speaker_verifications', 'matched_user_id',  'users',            'id', 'SET NULL'),
    ('workout_claims',        'workout_id',       'workouts',         'id', 'CASCADE'),
    ('workout_claims',        'user_id',          'users',            'id', 'CASCADE'),
    ('workout_claims',        'device_id',        'user_devices',     'id', 'SET NULL'),
    ('session_claims',        'session_id',       'workout_sessions', 'id', 'CASCADE'),
    ('session_claims',        'user_id',          'users',            'id', 'CASCADE'),
    ('session_claims',        'device_id',        'user_devices',     'id', 'SET NULL'),
    ('teams',                 'owner_user_id',    'users',            'id', 'RESTRICT'),
    ('team_memberships',      'team_id',          'teams',            'id', 'CASCADE'),
    ('team_memberships',      'user_id',          'users',            'id', 'CASCADE')
),
actual AS (
    SELECT c.conrelid, a.attname AS col, c.confrelid, fa.attname AS ref_col,
           CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT'
                              WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS on_delete
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
     WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
)
SELECT format('foreign key %s.%s -> %s.%s ON DELETE %s: %s',
              e.tbl, e.col, e.ref_tbl, e.ref_col, e.on_delete,
              CASE WHEN a.conrelid IS NULL THEN 'missing' ELSE 'is ON DELETE ' || a.on_delete END) AS violation
  FROM expected e
  LEFT JOIN actual a
         ON a.conrelid = to_regclass(e.tbl) AND a.col = e.col
        AND a.confrelid = to_regclass(e.ref_tbl) AND a.ref_col = e.ref_col
 WHERE a.conrelid IS NULL OR a.on_delete <> e.on_delete
 ORDER BY 1;
