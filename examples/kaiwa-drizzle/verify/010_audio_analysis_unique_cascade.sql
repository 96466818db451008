-- message_audio_analysis.message_id is unique and cascades from messages.
-- pgboot:requires 0023
SELECT 'message_audio_analysis.message_id must be UNIQUE and REFERENCES messages ON DELETE CASCADE' AS violation
 WHERE NOT EXISTS (
       SELECT 1 FROM pg_constraint c
        WHERE c.conrelid = to_regclass('message_audio_analysis') AND c.contype = 'f'
          AND c.confrelid = to_regclass('messages') AND c.confdeltype = 'c')
    OR NOT EXISTS (
       SELECT 1 FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.conrelid = to_regclass('message_audio_analysis') AND c.contype = 'u'
          AND cardinality(c.conkey) = 1 AND a.attname = 'message_id');
