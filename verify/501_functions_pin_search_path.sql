-- Every function of the schema (other than those of extensions) pins its
-- search_path, so a caller's search_path can neither break nor hijack it;
-- and none is SECURITY DEFINER without one.
SELECT format('function %s does not set search_path%s', p.oid::regprocedure,
              CASE WHEN p.prosecdef THEN ' (and is SECURITY DEFINER)' ELSE '' END) AS violation
  FROM pg_proc p
 WHERE p.pronamespace = current_schema()::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS cfg WHERE cfg LIKE 'search_path=%')
 ORDER BY 1;
