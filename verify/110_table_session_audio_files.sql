-- Table session_audio_files exists, with primary key (session_id uuid, audio_file_id uuid): a composite key.
-- pgboot:requires 0006
WITH t AS (SELECT to_regclass('session_audio_files') AS oid),
pk AS (
    SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY k.ord) AS cols
      FROM t
      JOIN pg_constraint c ON c.conrelid = t.oid AND c.contype = 'p'
     CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
)
SELECT 'table session_audio_files is missing' AS violation
  FROM t
 WHERE t.oid IS NULL
UNION ALL
SELECT format('table session_audio_files: primary key is (%s), expected (session_id uuid, audio_file_id uuid)', coalesce(pk.cols, 'none'))
  FROM t, pk
 WHERE t.oid IS NOT NULL AND pk.cols IS DISTINCT FROM 'session_id uuid, audio_file_id uuid';
