-- The canonical exercise library shipped by migration 0005 is present and
-- active: workout detection matches transcripts against it.
-- pgboot:requires 0005
SELECT format('exercise library entry "%s" is %s', n,
              CASE WHEN l.id IS NULL THEN 'missing' ELSE 'inactive' END) AS violation
  FROM unnest(ARRAY['Back Squat', 'Bench Press', 'Deadlift', 'Overhead Press', 'Pull-Up',
                    'Push-Up', 'Barbell Row', 'Walking Lunge', 'Plank', 'Running',
                    'Rowing Machine', 'Box Jump', 'Hamstring Stretch']) AS n
  LEFT JOIN exercise_library l ON lower(l.name) = lower(n)
 WHERE l.id IS NULL OR NOT l.is_active
 ORDER BY 1;
