-- constraint-inline-index: the index of a PRIMARY KEY or UNIQUE built under ACCESS EXCLUSIVE
-- expect: constraint-inline-index
ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (id);

-- expect: constraint-inline-index
ALTER TABLE users ADD CONSTRAINT users_email_uniq UNIQUE (email);

-- expect: constraint-inline-index
ALTER TABLE orders ADD UNIQUE (customer_id, number);

-- an exclusion constraint builds its index under ACCESS EXCLUSIVE, and has no USING INDEX form
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
