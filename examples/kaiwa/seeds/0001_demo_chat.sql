-- kaiwa test data: two learners, one conversation, three messages, one
-- audio analysis. Idempotent (fixed ids, ON CONFLICT).
INSERT INTO users (id, handle, display_name, native_lang, target_lang) VALUES
    ('aaaaaaaa-0000-4000-8000-000000000001', 'hana', 'Hana', 'ja', 'en'),
    ('aaaaaaaa-0000-4000-8000-000000000002', 'tom',  'Tom',  'en', 'ja')
ON CONFLICT (id) DO NOTHING;

INSERT INTO conversations (id, title, topic, created_by) VALUES
    ('cccccccc-0000-4000-8000-000000000001', 'Ordering ramen', 'food', 'aaaaaaaa-0000-4000-8000-000000000002')
ON CONFLICT (id) DO NOTHING;

INSERT INTO conversation_participants (conversation_id, user_id) VALUES
    ('cccccccc-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001'),
    ('cccccccc-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002')
ON CONFLICT DO NOTHING;

INSERT INTO messages (id, conversation_id, sender_id, role, content, audio_path, duration, round_number, gateway_status, created_at) VALUES
    ('dddddddd-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
     'aaaaaaaa-0000-4000-8000-000000000002', 'user', 'ラーメンを一つください。',
     'audio/tom/0001.ogg', 3, 1, 'analyzed', '2025-03-01 12:00+00'),
    ('dddddddd-0000-4000-8000-000000000002', 'cccccccc-0000-4000-8000-000000000001',
     'aaaaaaaa-0000-4000-8000-000000000001', 'user', 'はい、味噌と醤油、どちらにしますか？',
     NULL, NULL, 1, 'none', '2025-03-01 12:00:20+00'),
    ('dddddddd-0000-4000-8000-000000000003', 'cccccccc-0000-4000-8000-000000000001',
     NULL, 'assistant', 'Tip: 「一つ」 is read ひとつ.', NULL, NULL, 2, 'none', '2025-03-01 12:00:30+00')
ON CONFLICT (id) DO NOTHING;

INSERT INTO message_audio_analysis (message_id, transcription, pronunciation_score, fluency_score, analysis) VALUES
    ('dddddddd-0000-4000-8000-000000000001', 'らーめんをひとつください', 86.50, 78.00,
     '{"mora_errors": [{"index": 4, "expected": "ひ", "heard": "し"}], "pitch_accent": "ok"}')
ON CONFLICT (message_id) DO NOTHING;
