-- set-logged-unlogged: rewrites the table under ACCESS EXCLUSIVE
-- expect: set-logged-unlogged
ALTER TABLE messages SET UNLOGGED;

-- expect: set-logged-unlogged
ALTER TABLE orders SET LOGGED;
