-- add-column-volatile-default: a volatile default rewrites the table
-- expect: add-column-volatile-default
ALTER TABLE messages ADD COLUMN uid uuid DEFAULT gen_random_uuid();

-- expect: add-column-volatile-default
ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT clock_timestamp();

-- expect: add-column-volatile-default
ALTER TABLE events ADD COLUMN r double precision NOT NULL DEFAULT random();
