-- The summary views the app reads exist, and are views.
-- pgboot:requires 0012
SELECT format('view %s is %s', v,
              CASE WHEN to_regclass(v) IS NULL THEN 'missing' ELSE 'not a view' END) AS violation
  FROM unnest(ARRAY['session_summaries', 'user_workout_summaries']) AS v
 WHERE to_regclass(v) IS NULL
    OR (SELECT relkind FROM pg_class WHERE oid = to_regclass(v)) <> 'v'
 ORDER BY 1;
