-- pgboot:up
-- MORSE migration 0005: the exercise library, the vocabulary workout
-- detection matches transcripts against ("three sets of squats").
--
-- SERIAL key: library entries are created by admins, referenced by
-- exercises and user_progress as INTEGER. Entries are retired with
-- is_active = false, never deleted while referenced (ON DELETE RESTRICT
-- on exercises).

CREATE TABLE exercise_library (
    id             serial      PRIMARY KEY,
    name           text        NOT NULL,
    category       text        NOT NULL,
    muscle_groups  text[]      NOT NULL DEFAULT '{}',
    equipment      text,
    -- Other spoken forms the detector accepts: {"push up", "pushups"}.
    aliases        text[]      NOT NULL DEFAULT '{}',
    description    text,
    is_active      boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT exercise_library_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT exercise_library_category_valid
        CHECK (category IN ('strength', 'cardio', 'flexibility', 'balance', 'plyometric', 'other')),
    CONSTRAINT exercise_library_muscle_groups_no_nulls CHECK (array_position(muscle_groups, NULL) IS NULL),
    CONSTRAINT exercise_library_aliases_no_nulls CHECK (array_position(aliases, NULL) IS NULL)
);
COMMENT ON TABLE exercise_library IS 'Canonical exercises and their spoken aliases, matched by workout detection.';

CREATE UNIQUE INDEX exercise_library_name_lower_key ON exercise_library (lower(name));
CREATE INDEX exercise_library_aliases_gin ON exercise_library USING gin (aliases);

-- The canonical library is reference data the detector needs in every
-- environment, so it ships with the schema (not with the test seeds).
INSERT INTO exercise_library (name, category, muscle_groups, equipment, aliases) VALUES
    ('Back Squat',        'strength',    '{quadriceps,glutes,hamstrings,core}', 'barbell',    '{squat,squats,"back squats"}'),
    ('Bench Press',       'strength',    '{chest,triceps,shoulders}',           'barbell',    '{bench,"bench presses"}'),
    ('Deadlift',          'strength',    '{hamstrings,glutes,back,core}',       'barbell',    '{deadlifts,"dead lift"}'),
    ('Overhead Press',    'strength',    '{shoulders,triceps,core}',            'barbell',    '{"military press",ohp}'),
    ('Pull-Up',           'strength',    '{back,biceps}',                       'pull-up bar','{pullup,pullups,"pull ups"}'),
    ('Push-Up',           'strength',    '{chest,triceps,shoulders,core}',      NULL,         '{pushup,pushups,"push ups"}'),
    ('Barbell Row',       'strength',    '{back,biceps}',                       'barbell',    '{row,rows,"bent over row"}'),
    ('Walking Lunge',     'strength',    '{quadriceps,glutes,hamstrings}',      'dumbbells',  '{lunge,lunges}'),
    ('Plank',             'balance',     '{core,shoulders}',                    NULL,         '{planks}'),
    ('Running',           'cardio',      '{quadriceps,hamstrings,calves}',      NULL,         '{run,jog,jogging}'),
    ('Rowing Machine',    'cardio',      '{back,quadriceps,core}',              'rower',      '{erg,rower,rowing}'),
    ('Box Jump',          'plyometric',  '{quadriceps,glutes,calves}',          'box',        '{"box jumps"}'),
    ('Hamstring Stretch', 'flexibility', '{hamstrings}',                        NULL,         '{stretch,stretching}');

-- pgboot:down
DROP TABLE IF EXISTS exercise_library;
