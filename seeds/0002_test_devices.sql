-- MORSE test data 2/5: five recording devices, known by their suffixes
-- c4b9, 4c5d, bc12, 9012 and cdef. Three are linked to people; the gym
-- recorder (bc12) and the spare (cdef) are not. Idempotent.

INSERT INTO user_devices (device_uuid, device_name, device_type, firmware_version, last_seen_at) VALUES
    ('e3a1f0d2-7b4c-4e8a-9d61-5f2a8b7dc4b9', 'Test User''s recorder', 'recorder', '2.4.1', '2025-01-06 08:10+00'),
    ('5b9e2c71-3d8f-4a06-b2e4-1c7f9a3e4c5d', 'Alex''s phone',         'phone',    '17.2',  '2025-01-07 18:40+00'),
    ('9f04d6a3-1e2b-4c7d-8a5f-6b3e0d9abc12', 'Gym floor recorder',    'recorder', '2.4.1', '2025-01-07 19:30+00'),
    ('0c7b5e94-6a1d-4f32-9e8b-2d4c6f8a9012', 'Sam''s watch',          'watch',    '10.1',  '2025-01-05 06:15+00'),
    ('7d2e9b46-c8a1-4b5f-a3d7-e1f0c2b4cdef', 'Spare recorder',        'recorder', '2.3.0', NULL)
ON CONFLICT (device_uuid) DO UPDATE
    SET device_name      = EXCLUDED.device_name,
        device_type      = EXCLUDED.device_type,
        firmware_version = EXCLUDED.firmware_version;

-- Link the personal devices, unless the device is linked already (the app
-- may have relinked it since the last apply: leave that alone).
INSERT INTO device_links (device_id, user_id, linked_via, linked_at)
SELECT d.id, v.user_id, 'seed', '2025-01-01 09:00+00'
  FROM (VALUES
        ('e3a1f0d2-7b4c-4e8a-9d61-5f2a8b7dc4b9', '11111111-1111-4111-8111-111111111111'::uuid),
        ('5b9e2c71-3d8f-4a06-b2e4-1c7f9a3e4c5d', '22222222-2222-4222-8222-222222222222'::uuid),
        ('0c7b5e94-6a1d-4f32-9e8b-2d4c6f8a9012', '33333333-3333-4333-8333-333333333333'::uuid)
       ) AS v (device_uuid, user_id)
  JOIN user_devices d ON d.device_uuid = v.device_uuid
 WHERE d.user_id IS NULL
ON CONFLICT (device_id) WHERE unlinked_at IS NULL DO NOTHING;

UPDATE user_devices d
   SET user_id = l.user_id
  FROM device_links l
 WHERE l.device_id = d.id AND l.unlinked_at IS NULL AND d.user_id IS NULL;

-- The gym recorder hears long rests between sets: a longer silence gap.
INSERT INTO session_detection_config (device_id, silence_gap_seconds, min_session_seconds, max_session_seconds)
SELECT d.id, 900, 300, 10800
  FROM user_devices d
 WHERE d.device_uuid = '9f04d6a3-1e2b-4c7d-8a5f-6b3e0d9abc12'
ON CONFLICT (device_id) DO UPDATE
    SET silence_gap_seconds = EXCLUDED.silence_gap_seconds,
        min_session_seconds = EXCLUDED.min_session_seconds,
        max_session_seconds = EXCLUDED.max_session_seconds;
