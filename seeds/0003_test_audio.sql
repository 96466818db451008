-- MORSE test data 3/5: three finished recording sessions, four audio files
-- with completed transcriptions. Everything is unclaimed (user_id NULL):
-- the claim flows start from here. Idempotent: fixed ids, ON CONFLICT.

INSERT INTO workout_sessions (id, device_id, title, status, started_at, ended_at)
SELECT v.id, d.id, v.title, 'ended', v.started_at, v.ended_at
  FROM (VALUES
        ('5e551010-0000-4000-8000-000000000001'::uuid, 'e3a1f0d2-7b4c-4e8a-9d61-5f2a8b7dc4b9',
         'Monday legs', '2025-01-06 07:00+00'::timestamptz, '2025-01-06 08:05+00'::timestamptz),
        ('5e551010-0000-4000-8000-000000000002'::uuid, '9f04d6a3-1e2b-4c7d-8a5f-6b3e0d9abc12',
         'Gym floor, evening', '2025-01-07 18:30+00', '2025-01-07 19:25+00'),
        ('5e551010-0000-4000-8000-000000000003'::uuid, '5b9e2c71-3d8f-4a06-b2e4-1c7f9a3e4c5d',
         NULL, '2025-01-08 06:45+00', '2025-01-08 07:10+00')
       ) AS v (id, device_uuid, title, started_at, ended_at)
  JOIN user_devices d ON d.device_uuid = v.device_uuid
ON CONFLICT (id) DO UPDATE
    SET title      = EXCLUDED.title,
        started_at = EXCLUDED.started_at,
        ended_at   = EXCLUDED.ended_at;

INSERT INTO audio_files (id, device_id, storage_path, original_filename, mime_type, duration_ms,
                         file_size_bytes, sample_rate_hz, status, recorded_at)
SELECT v.id, d.id, v.storage_path, v.original_filename, 'audio/wav', v.duration_ms,
       v.duration_ms::bigint * 32, 16000, 'transcribed', v.recorded_at
  FROM (VALUES
        ('a0d10000-0000-4000-8000-000000000001'::uuid, 'e3a1f0d2-7b4c-4e8a-9d61-5f2a8b7dc4b9',
         'test/c4b9/2025-01-06T0700.wav', 'REC_0001.wav', 42000, '2025-01-06 07:00+00'::timestamptz),
        ('a0d10000-0000-4000-8000-000000000002'::uuid, 'e3a1f0d2-7b4c-4e8a-9d61-5f2a8b7dc4b9',
         'test/c4b9/2025-01-06T0735.wav', 'REC_0002.wav', 31000, '2025-01-06 07:35+00'),
        ('a0d10000-0000-4000-8000-000000000003'::uuid, '9f04d6a3-1e2b-4c7d-8a5f-6b3e0d9abc12',
         'test/bc12/2025-01-07T1830.wav', 'GYM_0417.wav', 55000, '2025-01-07 18:30+00'),
        ('a0d10000-0000-4000-8000-000000000004'::uuid, '5b9e2c71-3d8f-4a06-b2e4-1c7f9a3e4c5d',
         'test/4c5d/2025-01-08T0645.m4a', 'Voice 012.m4a', 18000, '2025-01-08 06:45+00')
       ) AS v (id, device_uuid, storage_path, original_filename, duration_ms, recorded_at)
  JOIN user_devices d ON d.device_uuid = v.device_uuid
ON CONFLICT (id) DO UPDATE
    SET storage_path      = EXCLUDED.storage_path,
        original_filename = EXCLUDED.original_filename,
        duration_ms       = EXCLUDED.duration_ms,
        file_size_bytes   = EXCLUDED.file_size_bytes,
        recorded_at       = EXCLUDED.recorded_at;

INSERT INTO session_audio_files (session_id, audio_file_id, sequence_no) VALUES
    ('5e551010-0000-4000-8000-000000000001', 'a0d10000-0000-4000-8000-000000000001', 1),
    ('5e551010-0000-4000-8000-000000000001', 'a0d10000-0000-4000-8000-000000000002', 2),
    ('5e551010-0000-4000-8000-000000000002', 'a0d10000-0000-4000-8000-000000000003', 1),
    ('5e551010-0000-4000-8000-000000000003', 'a0d10000-0000-4000-8000-000000000004', 1)
ON CONFLICT DO NOTHING;

INSERT INTO transcriptions (id, audio_file_id, status, transcript_text, language, confidence,
                            engine, words, started_at, completed_at) VALUES
    ('7a000000-0000-4000-8000-000000000001', 'a0d10000-0000-4000-8000-000000000001', 'completed',
     'Starting leg day. Back squat, five sets of five at one hundred kilos.', 'en', 0.942, 'whisper',
     '[{"w": "back", "start_ms": 2100, "end_ms": 2400}, {"w": "squat", "start_ms": 2400, "end_ms": 2900}]',
     '2025-01-06 08:06+00', '2025-01-06 08:07+00'),
    ('7a000000-0000-4000-8000-000000000002', 'a0d10000-0000-4000-8000-000000000002', 'completed',
     'Walking lunges, three sets of twelve with twenty kilo dumbbells. Then planks, three times a minute.',
     'en', 0.917, 'whisper', NULL, '2025-01-06 08:06+00', '2025-01-06 08:08+00'),
    ('7a000000-0000-4000-8000-000000000003', 'a0d10000-0000-4000-8000-000000000003', 'completed',
     'Bench press five by five at eighty. Overhead press three sets of eight at forty five. Push ups, three sets of twenty.',
     'en', 0.889, 'whisper', NULL, '2025-01-07 19:26+00', '2025-01-07 19:28+00'),
    ('7a000000-0000-4000-8000-000000000004', 'a0d10000-0000-4000-8000-000000000004', 'completed',
     'Quick check in, feeling good, going for a run later.', 'en', 0.961, 'whisper', NULL,
     '2025-01-08 07:11+00', '2025-01-08 07:11+00')
ON CONFLICT (id) DO UPDATE
    SET transcript_text = EXCLUDED.transcript_text,
        confidence      = EXCLUDED.confidence,
        words           = EXCLUDED.words;
