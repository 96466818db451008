-- add-column-volatile-default: a volatile default rewrites the table
-- expect: add-column-volatile-default
ALTER TABLE messages ADD COLUMN uid uuid DEFAULT gen_random_uuid();

-- expect: add-column-volatile-default
ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT clock_timestamp();

-- expect: add-column-volatile-default
ALTER TABLE events ADD COLUMN r double precision NOT NULL DEFAULT random();

-- a stored generated column is computed for every row: a rewrite
-- expect: add-column-volatile-default
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED;
