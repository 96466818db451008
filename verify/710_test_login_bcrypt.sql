-- When the test data is loaded, the test login's passphrase TestPassword123
-- verifies against its stored bcrypt hash (and the hash is not the
-- passphrase). Passes trivially without the test data.
-- pgboot:requires 0002
SELECT 'test login testuser: passphrase does not verify against its bcrypt hash' AS violation
  FROM app_users
 WHERE user_id = '11111111-1111-4111-8111-111111111111'
   AND (password_hash IS DISTINCT FROM crypt('TestPassword123', password_hash)
        OR password_hash !~ '^\$2[abxy]\$');
