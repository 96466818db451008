-- the constraint takes an index built CONCURRENTLY beforehand: no build under the lock
ALTER TABLE users ADD CONSTRAINT users_email_uniq UNIQUE USING INDEX users_email_uniq_idx;
