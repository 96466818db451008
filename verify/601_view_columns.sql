-- The summary views have the columns (and types) the app reads.
-- pgboot:requires 0012
WITH expected (view_name, col, typ) AS (VALUES
    ('session_summaries',      'session_id',            'uuid'),
    ('session_summaries',      'device_suffix',         'text'),
    ('session_summaries',      'user_id',               'uuid'),
    ('session_summaries',      'is_claimed',            'boolean'),
    ('session_summaries',      'status',                'text'),
    ('session_summaries',      'started_at',            'timestamp with time zone'),
    ('session_summaries',      'duration_seconds',      'integer'),
    ('session_summaries',      'audio_file_count',      'bigint'),
    ('session_summaries',      'transcribed_count',     'bigint'),
    ('session_summaries',      'workout_count',         'bigint'),
    ('session_summaries',      'exercise_count',        'bigint'),
    ('user_workout_summaries', 'user_id',               'uuid'),
    ('user_workout_summaries', 'display_name',          'text'),
    ('user_workout_summaries', 'workout_count',         'bigint'),
    ('user_workout_summaries', 'last_workout_at',       'timestamp with time zone'),
    ('user_workout_summaries', 'exercise_count',        'bigint'),
    ('user_workout_summaries', 'total_sets',            'bigint'),
    ('user_workout_summaries', 'total_volume_kg',       'numeric'),
    ('user_workout_summaries', 'muscle_groups_trained', 'text[]'),
    ('user_workout_summaries', 'device_count',          'bigint'),
    ('user_workout_summaries', 'team_count',            'bigint')
)
SELECT format('view %s: column %s %s', e.view_name, e.col,
              CASE WHEN a.attname IS NULL THEN 'is missing'
                   ELSE 'is ' || format_type(a.atttypid, a.atttypmod) || ', expected ' || e.typ END) AS violation
  FROM expected e
  LEFT JOIN pg_attribute a
         ON a.attrelid = to_regclass(e.view_name) AND a.attname = e.col AND NOT a.attisdropped
 WHERE to_regclass(e.view_name) IS NOT NULL
   AND (a.attname IS NULL OR format_type(a.atttypid, a.atttypmod) <> e.typ)
 ORDER BY 1;
