-- No team has more members than its max_members.
-- pgboot:requires 0009
SELECT format('team %s (%s) has %s members, max %s', t.id, t.name, count(m.id), t.max_members) AS violation
  FROM teams t
  JOIN team_memberships m ON m.team_id = t.id
 GROUP BY t.id, t.name, t.max_members
HAVING count(m.id) > t.max_members
 ORDER BY 1;
