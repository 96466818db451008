-- Run by the postgres image once, when it initialises an empty volume
-- (docker-compose.yml mounts this directory at /docker-entrypoint-initdb.d).
--
-- Two roles, as pgboot expects: morse_owner owns the schema and is the one
-- pgboot migrates with (PGBOOT_DATABASE_URL_FILE); morse_app is what the app
-- connects as (DATABASE_URL) and may only read and write rows. The demo
-- passwords match deploy/compose/secrets/ and docker-compose.yml.
CREATE ROLE morse_owner LOGIN PASSWORD 'morse-owner-demo';
CREATE ROLE morse_app LOGIN PASSWORD 'morse-app-demo';
CREATE DATABASE morse OWNER morse_owner;

\connect morse
-- Tables, sequences and functions morse_owner creates later (that is, every
-- migration pgboot applies, and pgboot's own history table) are usable by the
-- app. With the history table readable, `pgboot run --skip-migrate` can also
-- run as morse_app.
GRANT USAGE ON SCHEMA public TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA public
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA public
	GRANT USAGE, SELECT ON SEQUENCES TO morse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE morse_owner IN SCHEMA public
	GRANT EXECUTE ON FUNCTIONS TO morse_app;
