-- set-not-null: a full scan under ACCESS EXCLUSIVE with no validated CHECK (col IS NOT NULL)
-- expect: set-not-null
ALTER TABLE messages ALTER COLUMN user_id SET NOT NULL;

-- expect: set-not-null
ALTER TABLE orders ALTER customer_id SET NOT NULL;
