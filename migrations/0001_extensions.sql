-- pgboot:up
-- MORSE workout tracker, migration 0001: extensions and shared helpers.
--
-- pgcrypto provides crypt()/gen_salt() (bcrypt passphrases) and
-- gen_random_bytes() (team join codes). gen_random_uuid() is built into
-- PostgreSQL 13+, so no other extension is needed for UUID keys.
-- pgcrypto is a trusted extension since PostgreSQL 13: the database owner
-- can create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Trigger function shared by every table with an updated_at column.
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $fn$
BEGIN
    -- Only a real change bumps it: an UPDATE that rewrites identical values
    -- (a re-applied seed's ON CONFLICT DO UPDATE) leaves updated_at alone.
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$fn$;

COMMENT ON FUNCTION set_updated_at() IS
    'BEFORE UPDATE trigger: keeps updated_at current on every MORSE table that has one.';

-- pgboot:down
DROP FUNCTION IF EXISTS set_updated_at();
-- Fails (RESTRICT) rather than silently dropping objects of other projects
-- that use pgcrypto too.
DROP EXTENSION IF EXISTS pgcrypto;
