-- crypt() with a bcrypt salt verifies what it hashed (the login path of
-- authenticate_app_user), and rejects a wrong passphrase.
-- pgboot:requires 0001
SELECT 'crypt()/gen_salt(''bf'') do not round-trip' AS violation
  FROM (SELECT crypt('pgboot-verify-probe', gen_salt('bf', 4)) AS h) s
 WHERE crypt('pgboot-verify-probe', s.h) IS DISTINCT FROM s.h
    OR crypt('wrong-probe', s.h) = s.h
    OR s.h !~ '^\$2a\$04\$';
