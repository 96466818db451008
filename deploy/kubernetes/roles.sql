-- The roles, the database and the grants pgboot's two-credential pattern needs,
-- as a psql script run once by a superuser (or the managed service's admin
-- role) before the first deploy, and safe to run again:
--
--   psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -v owner_password=... -v app_password=... \
--        -f deploy/kubernetes/roles.sql
--
-- roles-job.yaml runs it in the cluster, the passwords from the environment:
-- a variable not given with -v is read from MORSE_OWNER_PASSWORD and
-- MORSE_APP_PASSWORD (psql 15's \getenv), so no password is on a command line.
-- Optional variables (-v NAME=VALUE): owner_role (default morse_owner),
-- app_role (morse_app), dbname (morse).
--
--   owner_role  owns the schema; the migrate initContainer connects as it
--               (PGBOOT_DATABASE_URL) and creates every table, pgboot's history
--               table too.
--   app_role    what the app connects as (DATABASE_URL), and pgboot in the app
--               container too, for `run --skip-migrate` only reads the history:
--               rows of the app's tables, nothing of the history but SELECT.
--
-- The history lives in its own schema, pgboot (PGBOOT_HISTORY_TABLE=
-- pgboot.pgboot_migrations in deployment.yaml), so default privileges can tell
-- it apart from the app's tables: in public the app role gets SELECT, INSERT,
-- UPDATE and DELETE on every table the owner creates; in pgboot it gets SELECT
-- only. Both hold from the first migration on, before the history table even
-- exists, with no grant to run after a deploy.
\if :{?owner_role} \else \set owner_role morse_owner \endif
\if :{?app_role} \else \set app_role morse_app \endif
\if :{?dbname} \else \set dbname morse \endif
\set ON_ERROR_STOP 1
\if :{?owner_password} \else \getenv owner_password MORSE_OWNER_PASSWORD \endif
\if :{?app_password} \else \getenv app_password MORSE_APP_PASSWORD \endif
\if :{?owner_password} \else
DO $$ BEGIN RAISE EXCEPTION 'roles.sql: give the owner''s password: -v owner_password=... or MORSE_OWNER_PASSWORD'; END $$;
\endif
\if :{?app_password} \else
DO $$ BEGIN RAISE EXCEPTION 'roles.sql: give the app''s password: -v app_password=... or MORSE_APP_PASSWORD'; END $$;
\endif

SELECT format('CREATE ROLE %I LOGIN', :'owner_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
-- ALTER ROLE ... PASSWORD: a rerun sets the Secret's current passwords
ALTER ROLE :"owner_role" PASSWORD :'owner_password';
ALTER ROLE :"app_role" PASSWORD :'app_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'dbname', :'owner_role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec

\connect :"dbname"
SET client_min_messages = warning;
-- public belongs to the database's owner (pg_database_owner, PostgreSQL 15):
-- the owner role creates the tables there.
GRANT USAGE ON SCHEMA public TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
	GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
	GRANT EXECUTE ON FUNCTIONS TO :"app_role";

-- pgboot's history: the owner writes it, the app role may only read it.
CREATE SCHEMA IF NOT EXISTS pgboot AUTHORIZATION :"owner_role";
GRANT USAGE ON SCHEMA pgboot TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA pgboot
	GRANT SELECT ON TABLES TO :"app_role";
-- a history table made before this script (by a pgboot run without the
-- schema): the same grants, and nothing more
GRANT SELECT ON ALL TABLES IN SCHEMA pgboot TO :"app_role";
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA pgboot FROM :"app_role";
