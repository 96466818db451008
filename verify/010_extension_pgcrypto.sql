-- pgcrypto is installed: bcrypt passphrases (crypt, gen_salt) and team
-- join codes (gen_random_bytes) need it.
-- pgboot:requires 0001
SELECT 'extension pgcrypto is not installed' AS violation
 WHERE NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgcrypto');
