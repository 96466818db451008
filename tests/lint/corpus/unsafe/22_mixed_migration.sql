-- a realistic release: several hazards in one file
ALTER TABLE accounts ADD COLUMN plan_id integer;
-- expect: constraint-not-valid
ALTER TABLE accounts ADD CONSTRAINT accounts_plan_fk FOREIGN KEY (plan_id) REFERENCES plans (id);
-- expect: index-not-concurrent
CREATE INDEX accounts_plan_idx ON accounts (plan_id);
-- expect: set-not-null
ALTER TABLE accounts ALTER COLUMN plan_id SET NOT NULL;
-- expect: type-change-rewrite
ALTER TABLE accounts ALTER COLUMN balance TYPE bigint USING balance::bigint;
-- expect: rename
ALTER TABLE plans RENAME COLUMN title TO name;
-- expect-file: access-exclusive-multiple-tables
