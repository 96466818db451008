-- After 0023: duration is an integer, audio_path replaced audio_url, the
-- 0022 analysis columns moved out of messages.
-- pgboot:requires 0023
SELECT format('messages.%s: %s', e.col, e.problem) AS violation
  FROM (VALUES ('duration', 'integer', 'must be integer'),
               ('audio_path', 'text', 'must exist as text'),
               ('round_number', 'integer', 'must exist as integer')) AS e (col, typ, problem)
 WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = to_regclass('messages') AND a.attname = e.col
                      AND NOT a.attisdropped AND format_type(a.atttypid, a.atttypmod) = e.typ)
UNION ALL
SELECT format('messages.%s should have moved to message_audio_analysis', a.attname)
  FROM pg_attribute a
 WHERE a.attrelid = to_regclass('messages') AND NOT a.attisdropped
   AND a.attname IN ('transcription', 'pronunciation_score', 'analysis', 'audio_url');
