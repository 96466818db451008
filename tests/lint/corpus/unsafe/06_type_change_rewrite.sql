-- type-change-rewrite: these changes rewrite the table and its indexes under ACCESS EXCLUSIVE
-- expect: type-change-rewrite
ALTER TABLE messages ALTER COLUMN user_id TYPE bigint;

-- expect: type-change-rewrite
ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);

-- expect: type-change-rewrite
ALTER TABLE orders ALTER COLUMN note TYPE varchar(40);

-- expect: type-change-rewrite
ALTER TABLE events ALTER COLUMN payload SET DATA TYPE jsonb USING payload::jsonb;

-- expect: type-change-rewrite
ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;
