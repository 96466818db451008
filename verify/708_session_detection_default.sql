-- Exactly one global session detection config (device_id NULL) exists:
-- session_detection_settings() falls back to it for every device.
-- pgboot:requires 0003
SELECT format('%s global session_detection_config rows, expected 1', count(*)) AS violation
  FROM session_detection_config
 WHERE device_id IS NULL
HAVING count(*) <> 1;
