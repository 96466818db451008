-- MORSE test data 5/5: a team (join code MORNING1) owned by the test user
-- with Alex as member; the test user's active voice profile and one speaker
-- verification that matched them on an unclaimed recording. Idempotent.

INSERT INTO teams (id, name, description, owner_user_id, join_code, max_members)
VALUES ('7ea00000-0000-4000-8000-000000000001', 'Morning Crew', 'Early risers who lift.',
        '11111111-1111-4111-8111-111111111111', 'MORNING1', 20)
ON CONFLICT DO NOTHING;

INSERT INTO team_memberships (team_id, user_id, role, joined_at)
SELECT t.id, v.user_id, v.role, '2025-01-02 12:00+00'
  FROM (VALUES ('11111111-1111-4111-8111-111111111111'::uuid, 'owner'),
               ('22222222-2222-4222-8222-222222222222'::uuid, 'member')) AS v (user_id, role)
  JOIN teams t ON t.id = '7ea00000-0000-4000-8000-000000000001'
ON CONFLICT DO NOTHING;

-- A deterministic 192-dimension embedding (real models use 192-512).
INSERT INTO voice_profiles (id, user_id, embedding, embedding_model, sample_count)
SELECT '0f000000-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111',
       array_agg(round(sin(i)::numeric, 4)::real ORDER BY i), 'ecapa-tdnn-192', 3
  FROM generate_series(1, 192) AS i
ON CONFLICT DO NOTHING;

INSERT INTO speaker_verifications (id, audio_file_id, voice_profile_id, matched_user_id,
                                   score, threshold, is_match, verified_at)
SELECT '5f000000-0000-4000-8000-000000000001', 'a0d10000-0000-4000-8000-000000000001',
       p.id, p.user_id, 0.9120, 0.7500, true, '2025-01-06 08:09+00'
  FROM voice_profiles p
 WHERE p.id = '0f000000-0000-4000-8000-000000000001'
ON CONFLICT (id) DO NOTHING;
