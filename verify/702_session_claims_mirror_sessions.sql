-- A session is claimed (workout_sessions.user_id) exactly when it has an
-- active claim, by that same person.
-- pgboot:requires 0008
SELECT format('session %s: user_id %s but active claim by %s', s.id,
              coalesce(s.user_id::text, 'none'), coalesce(c.user_id::text, 'none')) AS violation
  FROM workout_sessions s
  LEFT JOIN session_claims c ON c.session_id = s.id AND c.status = 'active'
 WHERE s.user_id IS DISTINCT FROM c.user_id
 ORDER BY 1;
