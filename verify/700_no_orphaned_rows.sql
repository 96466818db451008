-- No row points at a parent that does not exist, for every foreign key of
-- the schema. Foreign keys prevent this, unless they were bypassed (a
-- restore with session_replication_role = replica, disabled triggers): this
-- check counts for real, through query_to_xml, which runs a query in a
-- read-only transaction without creating anything.
SELECT format('%s rows of %s have a %s with no row in %s (%s)',
              o.n, o.child, o.cols, o.parent, o.conname) AS violation
  FROM (
        SELECT c.conname,
               c.conrelid::regclass AS child,
               c.confrelid::regclass AS parent,
               cols.list AS cols,
               (xpath('/row/n/text()',
                      query_to_xml(format('SELECT count(*) AS n FROM %s ch WHERE %s AND NOT EXISTS '
                                          '(SELECT 1 FROM %s p WHERE %s)',
                                          c.conrelid::regclass, cols.not_null,
                                          c.confrelid::regclass, cols.join_cond),
                                   false, true, '')))[1]::text::bigint AS n
          FROM pg_constraint c
         CROSS JOIN LATERAL (
               SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) AS list,
                      string_agg(format('ch.%I IS NOT NULL', a.attname), ' AND ' ORDER BY k.ord) AS not_null,
                      string_agg(format('p.%I = ch.%I', fa.attname, a.attname), ' AND ' ORDER BY k.ord) AS join_cond
                 FROM unnest(c.conkey, c.confkey) WITH ORDINALITY AS k (attnum, fattnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                 JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fattnum) AS cols
         WHERE c.contype = 'f'
           AND c.connamespace = current_schema()::regnamespace
       ) AS o
 WHERE o.n > 0
 ORDER BY 1;
