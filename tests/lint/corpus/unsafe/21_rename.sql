-- rename: the release still running uses the old names
-- expect: rename
ALTER TABLE messages RENAME TO chat_messages;

-- expect: rename
ALTER TABLE orders RENAME COLUMN total TO amount;

-- expect: rename
ALTER TABLE public.users RENAME email TO email_address;
