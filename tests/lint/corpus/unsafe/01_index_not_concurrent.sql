-- index-not-concurrent: an index built on an existing table blocks its writes
-- expect: index-not-concurrent
CREATE INDEX messages_body_idx ON messages (body);

-- expect: index-not-concurrent
CREATE UNIQUE INDEX users_email_key ON public.users (lower(email));

-- expect: index-not-concurrent
CREATE INDEX IF NOT EXISTS orders_created_idx ON orders USING brin (created_at) WHERE deleted_at IS NULL;
