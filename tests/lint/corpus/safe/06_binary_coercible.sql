-- binary-coercible type changes: no rewrite, no scan. The columns' old types are in the file
-- (a pending ADD COLUMN), as pgboot needs offline; online it reads them from the catalog.
ALTER TABLE orders ADD COLUMN note varchar(40), ADD COLUMN code varchar(20), ADD COLUMN amount numeric(10, 2);

ALTER TABLE orders ALTER COLUMN note TYPE text;

ALTER TABLE orders ALTER COLUMN code TYPE varchar(200);

ALTER TABLE orders ALTER COLUMN amount TYPE numeric(14, 2);
