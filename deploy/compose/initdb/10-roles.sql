-- Run by the postgres image once, when it initialises an empty volume
-- (docker-compose.yml mounts this directory at /docker-entrypoint-initdb.d).
--
-- Two roles, as pgboot expects: morse_owner owns the schema and is the one
-- pgboot migrates with (the migrate service, PGBOOT_DATABASE_URL_FILE);
-- morse_app is what the app connects as (DATABASE_URL) and may only read and
-- write the app's rows. The demo passwords match deploy/compose/secrets/ and
-- docker-compose.yml.
CREATE ROLE morse_owner LOGIN PASSWORD 'morse-owner-demo';
CREATE ROLE morse_app LOGIN PASSWORD 'morse-app-demo';
CREATE DATABASE morse OWNER morse_owner;

\connect morse
-- The app's tables, sequences and functions: every migration pgboot applies
-- creates them in public as morse_owner, and these default privileges make
-- them usable by the app.
GRANT USAGE ON SCHEMA public TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA public
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA public
	GRANT USAGE, SELECT ON SEQUENCES TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA public
	GRANT EXECUTE ON FUNCTIONS TO morse_app;

-- pgboot's history lives in a schema of its own (both services set
-- PGBOOT_HISTORY_TABLE=pgboot.pgboot_migrations), where the app role may read
-- it, as `pgboot run --skip-migrate` needs, and never write it. Default
-- privileges apply per schema, so the DML grant above does not reach it; a
-- REVOKE after pgboot has created the table in public would leave a window,
-- and would be lost whenever the table is created anew.
CREATE SCHEMA pgboot AUTHORIZATION morse_owner;
GRANT USAGE ON SCHEMA pgboot TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA pgboot
	GRANT SELECT ON TABLES TO morse_app;
