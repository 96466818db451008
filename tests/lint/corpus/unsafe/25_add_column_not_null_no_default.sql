-- add-column-not-null-no-default: a NOT NULL column without a default fails on a table with rows
-- expect: add-column-not-null-no-default
ALTER TABLE messages ADD COLUMN thread_id bigint NOT NULL;

-- expect: add-column-not-null-no-default
ALTER TABLE app.users ADD org_id bigint CONSTRAINT users_org_id_nn NOT NULL, ADD COLUMN note text;

-- DEFAULT NULL is no default
-- expect: add-column-not-null-no-default
ALTER TABLE orders ADD COLUMN status text DEFAULT NULL NOT NULL;
