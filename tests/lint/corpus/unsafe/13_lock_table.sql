-- lock-table: an explicit lock held for the rest of the transaction
-- expect: lock-table
LOCK TABLE messages;

-- expect: lock-table
LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;
