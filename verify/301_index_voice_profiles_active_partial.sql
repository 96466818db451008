-- voice_profiles has the partial unique index on user_id WHERE is_active:
-- the one active profile per person, which verification reads.
-- pgboot:requires 0007
SELECT 'voice_profiles has no valid partial unique index on (user_id) WHERE is_active' AS violation
 WHERE NOT EXISTS (
       SELECT 1
         FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = to_regclass('voice_profiles')
          AND i.indisunique
          AND i.indisvalid
          AND i.indnatts = 1
          AND a.attname = 'user_id'
          AND pg_get_expr(i.indpred, i.indrelid) = 'is_active');
