-- The summary views neither lose nor multiply rows: one row per session and
-- one per person (a join fan-out bug shows up here first).
-- pgboot:requires 0012
SELECT format('%s has %s rows for %s %s', v.view_name, v.view_rows, v.base_rows, v.base_name) AS violation
  FROM (SELECT 'session_summaries' AS view_name,
               (SELECT count(*) FROM session_summaries) AS view_rows,
               'workout_sessions' AS base_name,
               (SELECT count(*) FROM workout_sessions) AS base_rows
        UNION ALL
        SELECT 'user_workout_summaries',
               (SELECT count(*) FROM user_workout_summaries),
               'users',
               (SELECT count(*) FROM users)) AS v
 WHERE v.view_rows <> v.base_rows;
