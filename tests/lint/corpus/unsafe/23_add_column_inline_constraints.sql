-- ADD COLUMN with constraints built inline
-- expect: constraint-inline-index
ALTER TABLE orders ADD COLUMN code text UNIQUE;

-- a new column's foreign key is not validated (every value is NULL: no scan, checked on
-- PostgreSQL 15 with pg_stat_user_tables.seq_scan); Squawk flags it, pgboot rightly does not
ALTER TABLE orders ADD COLUMN customer2_id bigint REFERENCES customers (id);

-- a CHECK on a new column is verified by a scan of the table (seq_scan goes up; Squawk 2.66
-- does not see it)
-- expect: constraint-not-valid
ALTER TABLE orders ADD COLUMN qty integer CHECK (qty > 0);

-- expect: constraint-inline-index
-- expect: add-column-volatile-default
ALTER TABLE orders ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
