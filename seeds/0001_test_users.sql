-- MORSE test data 1/5: people and the test login.
--
-- Seeds are repeatable: pgboot re-applies a seed whenever its checksum
-- changes, so every statement here is idempotent (fixed ids, ON CONFLICT).
--
-- Login: testuser (or test@morse.example), passphrase TestPassword123,
-- stored only as a bcrypt hash. DO NOTHING keeps the existing hash on
-- re-apply: gen_salt() is random, so re-hashing would change it.

INSERT INTO users (id, display_name, email, timezone, body_weight_kg) VALUES
    ('11111111-1111-4111-8111-111111111111', 'Test User',   'test@morse.example', 'Europe/Berlin',    78.50),
    ('22222222-2222-4222-8222-222222222222', 'Alex Rivera', 'alex@morse.example', 'America/New_York', 82.00),
    ('33333333-3333-4333-8333-333333333333', 'Sam Chen',    'sam@morse.example',  'Asia/Singapore',   64.30)
ON CONFLICT (id) DO UPDATE
    SET display_name   = EXCLUDED.display_name,
        email          = EXCLUDED.email,
        timezone       = EXCLUDED.timezone,
        body_weight_kg = EXCLUDED.body_weight_kg;

INSERT INTO app_users (user_id, username, email, password_hash, role)
VALUES ('11111111-1111-4111-8111-111111111111', 'testuser', 'test@morse.example',
        crypt('TestPassword123', gen_salt('bf')), 'athlete')
ON CONFLICT (user_id) DO NOTHING;
