-- plain data and views: nothing the lint rules are about
INSERT INTO exercise_library (name) VALUES ('squat'), ('bench press');

CREATE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL;

CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON TABLE users IS 'every person';
