-- The audio files of a session were recorded on the session's device, and
-- not before it started.
-- pgboot:requires 0006
SELECT format('audio file %s in session %s: %s', a.id, s.id,
              CASE WHEN a.device_id IS DISTINCT FROM s.device_id
                   THEN format('recorded on device %s, session on %s', a.device_id, s.device_id)
                   ELSE 'recorded before the session started' END) AS violation
  FROM session_audio_files sa
  JOIN workout_sessions s ON s.id = sa.session_id
  JOIN audio_files a ON a.id = sa.audio_file_id
 WHERE (a.device_id IS DISTINCT FROM s.device_id AND a.device_id IS NOT NULL AND s.device_id IS NOT NULL)
    OR a.recorded_at < s.started_at
 ORDER BY 1;
