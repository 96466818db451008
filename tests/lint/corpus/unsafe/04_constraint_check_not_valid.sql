-- constraint-not-valid: a CHECK scanned under ACCESS EXCLUSIVE
-- expect: constraint-not-valid
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);

-- expect: constraint-not-valid
ALTER TABLE public.messages ADD CHECK (length(body) < 10000);
