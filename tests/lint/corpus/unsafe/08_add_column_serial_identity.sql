-- add-column-volatile-default: a serial or identity column fills every row (a rewrite)
-- expect: add-column-volatile-default
ALTER TABLE messages ADD COLUMN seq bigserial;

-- expect: add-column-volatile-default
ALTER TABLE orders ADD COLUMN n serial;

-- expect: add-column-volatile-default
ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
