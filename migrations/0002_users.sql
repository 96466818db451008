-- pgboot:up
-- MORSE migration 0002: people and their login accounts.
--
-- users      every person MORSE knows about: the athletes whose voices are
--            recorded, whose workouts are detected and who own devices.
--            UUID keys: ids are created by devices and clients too.
-- app_users  the login accounts of the app (username, bcrypt passphrase),
--            at most one per person. SERIAL key: internal only.

CREATE TABLE users (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    display_name    text        NOT NULL,
    email           text,
    timezone        text        NOT NULL DEFAULT 'UTC',
    body_weight_kg  numeric(5,2),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_display_name_not_blank CHECK (btrim(display_name) <> ''),
    CONSTRAINT users_email_format CHECK (email IS NULL OR email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    CONSTRAINT users_body_weight_range CHECK (body_weight_kg IS NULL OR body_weight_kg BETWEEN 20 AND 400)
);
COMMENT ON TABLE users IS 'Every person MORSE tracks: athletes, coaches, device owners.';
COMMENT ON COLUMN users.email IS 'Optional contact address; unique case-insensitively.';

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE app_users (
    id                   serial      PRIMARY KEY,
    -- A login account belongs to exactly one person and goes with them.
    user_id              uuid        NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    username             text        NOT NULL,
    email                text        NOT NULL,
    password_hash        text        NOT NULL,
    role                 text        NOT NULL DEFAULT 'athlete',
    is_active            boolean     NOT NULL DEFAULT true,
    failed_login_count   integer     NOT NULL DEFAULT 0,
    last_login_at        timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT app_users_username_format CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{2,31}$'),
    CONSTRAINT app_users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    -- Only bcrypt hashes from pgcrypto's crypt(pass, gen_salt('bf')): never plain text.
    CONSTRAINT app_users_password_is_bcrypt CHECK (password_hash ~ '^\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    CONSTRAINT app_users_role_valid CHECK (role IN ('athlete', 'coach', 'admin')),
    CONSTRAINT app_users_failed_login_count_nonneg CHECK (failed_login_count >= 0)
);
COMMENT ON TABLE app_users IS 'Login accounts; password_hash is bcrypt (pgcrypto crypt/gen_salt(''bf'')).';

CREATE UNIQUE INDEX app_users_username_key ON app_users (username);
CREATE UNIQUE INDEX app_users_email_lower_key ON app_users (lower(email));

CREATE TRIGGER app_users_set_updated_at
    BEFORE UPDATE ON app_users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Returns the person's id when the login (username or e-mail) and passphrase
-- match an active account, NULL otherwise. Comparing with crypt() against the
-- stored hash re-uses its salt and cost.
CREATE FUNCTION authenticate_app_user(p_login text, p_password text) RETURNS uuid
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $fn$
    SELECT a.user_id
      FROM app_users a
     WHERE (a.username = lower(p_login) OR lower(a.email) = lower(p_login))
       AND a.is_active
       AND a.password_hash = crypt(p_password, a.password_hash)
     LIMIT 1;
$fn$;
COMMENT ON FUNCTION authenticate_app_user(text, text) IS
    'Person id for a valid login and passphrase, else NULL.';

-- pgboot:down
DROP FUNCTION IF EXISTS authenticate_app_user(text, text);
DROP TABLE IF EXISTS app_users;
DROP TABLE IF EXISTS users;
