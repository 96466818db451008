-- MORSE test data 4/5: three workouts with their exercises. Two were
-- detected from the seeded transcripts and are unclaimed; the third was
-- entered by hand by the test user. Exercises take their muscle groups from
-- the exercise library (by name). Idempotent: fixed ids, ON CONFLICT.

INSERT INTO workouts (id, user_id, session_id, audio_file_id, transcription_id, title,
                      workout_type, source, started_at, ended_at, perceived_effort) VALUES
    ('b0000000-0000-4000-8000-000000000001', NULL,
     '5e551010-0000-4000-8000-000000000001', 'a0d10000-0000-4000-8000-000000000001',
     '7a000000-0000-4000-8000-000000000001', 'Leg day', 'strength', 'voice',
     '2025-01-06 07:00+00', '2025-01-06 08:05+00', NULL),
    ('b0000000-0000-4000-8000-000000000002', NULL,
     '5e551010-0000-4000-8000-000000000002', 'a0d10000-0000-4000-8000-000000000003',
     '7a000000-0000-4000-8000-000000000003', 'Push day', 'strength', 'voice',
     '2025-01-07 18:30+00', '2025-01-07 19:25+00', NULL),
    ('b0000000-0000-4000-8000-000000000003', '11111111-1111-4111-8111-111111111111',
     NULL, NULL, NULL, 'Morning run', 'cardio', 'manual',
     '2025-01-05 06:30+00', '2025-01-05 07:05+00', 6)
ON CONFLICT (id) DO UPDATE
    SET title            = EXCLUDED.title,
        workout_type     = EXCLUDED.workout_type,
        started_at       = EXCLUDED.started_at,
        ended_at         = EXCLUDED.ended_at,
        perceived_effort = EXCLUDED.perceived_effort;

INSERT INTO exercises (id, workout_id, library_id, transcription_id, exercise_order, name, muscle_groups,
                       sets, reps, weight_kg, duration_seconds, distance_m, detection_confidence)
SELECT v.id, v.workout_id, l.id, v.transcription_id, v.exercise_order, l.name, l.muscle_groups,
       v.sets, v.reps, v.weight_kg, v.duration_seconds, v.distance_m, v.confidence
  FROM (VALUES
        ('e0000000-0000-4000-8000-000000000001'::uuid, 'b0000000-0000-4000-8000-000000000001'::uuid,
         '7a000000-0000-4000-8000-000000000001'::uuid, 1::smallint, 'Back Squat',
         5::smallint, 5::smallint, 100.00::numeric, NULL::integer, NULL::numeric, 0.930::numeric),
        ('e0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001',
         '7a000000-0000-4000-8000-000000000002', 2, 'Walking Lunge', 3, 12, 20.00, NULL, NULL, 0.880),
        ('e0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000001',
         '7a000000-0000-4000-8000-000000000002', 3, 'Plank', 3, NULL, NULL, 60, NULL, 0.850),
        ('e0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000000002',
         '7a000000-0000-4000-8000-000000000003', 1, 'Bench Press', 5, 5, 80.00, NULL, NULL, 0.910),
        ('e0000000-0000-4000-8000-000000000005', 'b0000000-0000-4000-8000-000000000002',
         '7a000000-0000-4000-8000-000000000003', 2, 'Overhead Press', 3, 8, 45.00, NULL, NULL, 0.870),
        ('e0000000-0000-4000-8000-000000000006', 'b0000000-0000-4000-8000-000000000002',
         '7a000000-0000-4000-8000-000000000003', 3, 'Push-Up', 3, 20, NULL, NULL, NULL, 0.900),
        ('e0000000-0000-4000-8000-000000000007', 'b0000000-0000-4000-8000-000000000003',
         NULL, 1, 'Running', NULL, NULL, NULL, 2100, 5200.00, NULL),
        ('e0000000-0000-4000-8000-000000000008', 'b0000000-0000-4000-8000-000000000003',
         NULL, 2, 'Hamstring Stretch', 2, NULL, NULL, 45, NULL, NULL)
       ) AS v (id, workout_id, transcription_id, exercise_order, library_name,
               sets, reps, weight_kg, duration_seconds, distance_m, confidence)
  JOIN exercise_library l ON lower(l.name) = lower(v.library_name)
ON CONFLICT (id) DO UPDATE
    SET library_id       = EXCLUDED.library_id,
        exercise_order   = EXCLUDED.exercise_order,
        name             = EXCLUDED.name,
        muscle_groups    = EXCLUDED.muscle_groups,
        sets             = EXCLUDED.sets,
        reps             = EXCLUDED.reps,
        weight_kg        = EXCLUDED.weight_kg,
        duration_seconds = EXCLUDED.duration_seconds,
        distance_m       = EXCLUDED.distance_m;

-- The test user's progress from the manual workout.
INSERT INTO user_progress (user_id, library_id, total_sets, last_performed_at)
SELECT '11111111-1111-4111-8111-111111111111', l.id, v.total_sets, '2025-01-05 07:05+00'
  FROM (VALUES ('Running', 1), ('Hamstring Stretch', 2)) AS v (library_name, total_sets)
  JOIN exercise_library l ON lower(l.name) = lower(v.library_name)
ON CONFLICT (user_id, library_id) DO UPDATE
    SET total_sets        = EXCLUDED.total_sets,
        last_performed_at = EXCLUDED.last_performed_at;
