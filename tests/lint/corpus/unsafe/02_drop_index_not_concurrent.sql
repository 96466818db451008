-- drop-index-not-concurrent: DROP INDEX takes ACCESS EXCLUSIVE on its table
-- expect: drop-index-not-concurrent
DROP INDEX messages_body_idx;

-- expect: drop-index-not-concurrent
DROP INDEX IF EXISTS public.users_email_key;
