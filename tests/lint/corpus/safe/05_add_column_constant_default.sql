-- PostgreSQL 11+: a constant (or stable) default is stored in the catalog, no rewrite
-- (one table per file: ACCESS EXCLUSIVE on two tables in one transaction is a hazard of its own)
ALTER TABLE messages ADD COLUMN archived boolean NOT NULL DEFAULT false;

ALTER TABLE messages ADD COLUMN currency text DEFAULT 'EUR';

ALTER TABLE messages ADD COLUMN retries integer NOT NULL DEFAULT -1;

ALTER TABLE messages ADD COLUMN note text;

-- now() is STABLE: evaluated once, stored in the catalog, no rewrite
ALTER TABLE messages ADD COLUMN seen_at timestamptz DEFAULT now();
