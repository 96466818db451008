-- exercises.muscle_groups (text[]) has a GIN index: "which exercises train
-- the hamstrings" is muscle_groups @> '{hamstrings}', answered from it.
-- pgboot:requires 0006
SELECT 'exercises.muscle_groups has no valid GIN index' AS violation
 WHERE NOT EXISTS (
       SELECT 1
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_am am ON am.oid = ic.relam
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = to_regclass('exercises')
          AND am.amname = 'gin'
          AND a.attname = 'muscle_groups'
          AND i.indisvalid);
