-- No SERIAL sequence is behind the largest key of its table (rows inserted
-- with explicit ids, a partial restore): the next insert would collide.
SELECT format('sequence %s is at %s but max(%s.%s) is %s', s.seq, coalesce(s.last_value, 0),
              s.tbl, s.col, s.max_id) AS violation
  FROM (
        SELECT c.oid::regclass AS tbl, a.attname AS col,
               pg_get_serial_sequence(c.oid::regclass::text, a.attname) AS seq,
               (SELECT ps.last_value FROM pg_sequences ps
                 WHERE format('%I.%I', ps.schemaname, ps.sequencename)::regclass
                     = pg_get_serial_sequence(c.oid::regclass::text, a.attname)::regclass) AS last_value,
               (xpath('/row/m/text()',
                      query_to_xml(format('SELECT max(%I) AS m FROM %s', a.attname, c.oid::regclass),
                                   false, true, '')))[1]::text::bigint AS max_id
          FROM pg_class c
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind = 'r'
           AND pg_get_serial_sequence(c.oid::regclass::text, a.attname) IS NOT NULL
       ) AS s
 WHERE s.max_id > coalesce(s.last_value, 0)
 ORDER BY 1;
