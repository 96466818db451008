-- Deleting a job deletes its feedback and lexicon rows go with their key
-- (CASCADE); deleting a key keeps its jobs and feedback (SET NULL).
-- pgboot:requires 0004
WITH expected (tbl, col, action) AS (VALUES
    ('lexicon_terms', 'api_key_id', 'c'),
    ('jobs',          'api_key_id', 'n'),
    ('feedback',      'job_id',     'c'),
    ('feedback',      'api_key_id', 'n'))
SELECT format('%s.%s: foreign key missing or not ON DELETE %s', e.tbl, e.col,
              CASE e.action WHEN 'c' THEN 'CASCADE' ELSE 'SET NULL' END) AS violation
  FROM expected e
 WHERE NOT EXISTS (
       SELECT 1 FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.conrelid = to_regclass(e.tbl) AND c.contype = 'f'
          AND a.attname = e.col AND c.confdeltype = e.action);
