-- An audio file marked transcribed has a completed transcription, and one
-- with a completed transcription is marked transcribed.
-- pgboot:requires 0004
SELECT format('audio file %s is %s but %s a completed transcription', a.id, a.status,
              CASE WHEN t.id IS NULL THEN 'has no' ELSE 'has' END) AS violation
  FROM audio_files a
  LEFT JOIN transcriptions t ON t.audio_file_id = a.id AND t.status = 'completed'
 WHERE (a.status = 'transcribed') <> (t.id IS NOT NULL)
 ORDER BY 1;
