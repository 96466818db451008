-- A device's owner (user_devices.user_id) is the person of its open link in
-- device_links, and a device with an open link has that owner.
-- pgboot:requires 0003
SELECT format('device %s (...%s): owner %s but open link to %s',
              d.id, RIGHT(d.device_uuid, 4), coalesce(d.user_id::text, 'none'),
              coalesce(l.user_id::text, 'none')) AS violation
  FROM user_devices d
  LEFT JOIN device_links l ON l.device_id = d.id AND l.unlinked_at IS NULL
 WHERE d.user_id IS DISTINCT FROM l.user_id
 ORDER BY 1;
