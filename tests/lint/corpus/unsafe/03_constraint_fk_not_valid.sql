-- constraint-not-valid: a foreign key validated while SHARE ROW EXCLUSIVE is held on both tables
-- expect: constraint-not-valid
ALTER TABLE messages ADD CONSTRAINT messages_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- expect: constraint-not-valid
ALTER TABLE orders
    ADD CONSTRAINT orders_customer_fk
    FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;
