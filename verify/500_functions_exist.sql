-- The functions the app calls exist with the signatures it calls them by.
-- pgboot:requires 0012
SELECT format('function %s is missing', f) AS violation
  FROM unnest(ARRAY[
        'set_updated_at()',
        'authenticate_app_user(text, text)',
        'find_device_by_suffix(text)',
        'resolve_device(text)',
        'link_device(text, uuid, text)',
        'unlink_device(text)',
        'session_detection_settings(integer)',
        'start_session(text, text)',
        'add_audio_to_session(uuid, uuid)',
        'end_session(uuid)',
        'claim_workout(uuid, uuid, integer, text)',
        'release_workout_claim(uuid, uuid)',
        'claim_session(uuid, uuid, integer, text)',
        'claim_session_via_device(text, uuid)',
        'release_session_claim(uuid, uuid)',
        'create_team(text, uuid, text, integer)',
        'join_team(text, uuid)',
        'leave_team(uuid, uuid)',
        'transfer_team_ownership(uuid, uuid)',
        'get_user_workout_summary(uuid)',
        'get_unclaimed_sessions(text)',
        'get_team_summary(uuid)']) AS f
 WHERE to_regprocedure(f) IS NULL
 ORDER BY 1;
