-- Each team's owner is its member with role owner, and nobody else has
-- that role.
-- pgboot:requires 0009
SELECT format('team %s (%s): %s', t.id, t.name, problem) AS violation
  FROM teams t
 CROSS JOIN LATERAL (
       SELECT 'owner ' || t.owner_user_id || ' has no owner membership' AS problem
        WHERE NOT EXISTS (SELECT 1 FROM team_memberships m
                           WHERE m.team_id = t.id AND m.user_id = t.owner_user_id AND m.role = 'owner')
       UNION ALL
       SELECT 'member ' || m.user_id || ' has role owner but does not own it'
         FROM team_memberships m
        WHERE m.team_id = t.id AND m.role = 'owner' AND m.user_id <> t.owner_user_id) AS p
 ORDER BY 1;
