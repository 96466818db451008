-- binary-coercible type changes: no rewrite
ALTER TABLE orders ALTER COLUMN note TYPE text;

ALTER TABLE orders ALTER COLUMN code TYPE varchar(200);
