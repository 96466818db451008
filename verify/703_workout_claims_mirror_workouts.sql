-- A workout with an active claim belongs to the claimant. (A workout
-- entered by hand belongs to its author without any claim.)
-- pgboot:requires 0008
SELECT format('workout %s: user_id %s but active claim by %s', w.id,
              coalesce(w.user_id::text, 'none'), c.user_id) AS violation
  FROM workout_claims c
  JOIN workouts w ON w.id = c.workout_id
 WHERE c.status = 'active'
   AND w.user_id IS DISTINCT FROM c.user_id
 ORDER BY 1;
