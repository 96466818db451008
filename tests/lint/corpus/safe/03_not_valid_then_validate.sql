-- constraints added NOT VALID; validated in a later file (SHARE UPDATE EXCLUSIVE only)
ALTER TABLE messages ADD CONSTRAINT messages_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
