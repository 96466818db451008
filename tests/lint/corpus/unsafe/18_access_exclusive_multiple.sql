-- access-exclusive-multiple-tables: ACCESS EXCLUSIVE on two tables in one transaction
-- (the app taking them in the other order deadlocks with it)
-- expect-file: access-exclusive-multiple-tables
ALTER TABLE messages ADD COLUMN flag boolean;

ALTER TABLE orders ADD COLUMN flag boolean;
