-- stt test data: one API key (the key itself is "stt_test_key_do_not_use"),
-- a lexicon term, a finished job and feedback on it. Idempotent: rows are
-- found by natural keys (the key's hash, the job's fixed uuid).
INSERT INTO api_keys (name, key_prefix, key_sha256, scopes, metadata)
VALUES ('demo key', 'stt_test', sha256('stt_test_key_do_not_use'::bytea),
        '{transcribe,feedback}', '{"owner": "demo@stt.example"}')
ON CONFLICT (key_sha256) DO NOTHING;

INSERT INTO lexicon_terms (api_key_id, language, term, pronunciations, boost)
SELECT k.id, 'en', 'kubectl', '[{"sounds_like": "cube control"}, {"sounds_like": "cube cuddle"}]', 5.00
  FROM api_keys k
 WHERE k.key_sha256 = sha256('stt_test_key_do_not_use'::bytea)
ON CONFLICT (api_key_id, language, lower(term)) DO NOTHING;

INSERT INTO jobs (id, api_key_id, status, audio_uri, options, result, audio_ms, started_at, finished_at)
SELECT '10b00000-0000-4000-8000-000000000001', k.id, 'succeeded', 's3://stt-demo/standup.wav',
       '{"diarize": true}',
       '{"text": "run cube control get pods", "segments": [{"speaker": 0, "start_ms": 0, "end_ms": 2100}]}',
       2100, '2025-02-01 10:00+00', '2025-02-01 10:00:03+00'
  FROM api_keys k
 WHERE k.key_sha256 = sha256('stt_test_key_do_not_use'::bytea)
ON CONFLICT (id) DO NOTHING;

INSERT INTO feedback (job_id, api_key_id, rating, corrections, comment)
SELECT j.id, j.api_key_id, 4,
       '[{"start_ms": 400, "end_ms": 1300, "heard": "cube control", "meant": "kubectl"}]', 'close'
  FROM jobs j
 WHERE j.id = '10b00000-0000-4000-8000-000000000001'
   AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.job_id = j.id);
