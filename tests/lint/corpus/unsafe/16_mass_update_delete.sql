-- mass-update-delete: every row locked and rewritten in one transaction
-- expect: mass-update-delete
UPDATE messages SET body = trim(body);

-- expect: mass-update-delete
DELETE FROM events;
