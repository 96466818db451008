-- PostgreSQL 11+: a constant (or stable) default is stored in the catalog, no rewrite
ALTER TABLE messages ADD COLUMN archived boolean NOT NULL DEFAULT false;

ALTER TABLE orders ADD COLUMN currency text DEFAULT 'EUR';

ALTER TABLE events ADD COLUMN note text;
