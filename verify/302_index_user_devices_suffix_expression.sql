-- user_devices has the expression index on RIGHT(device_uuid, 4): people
-- name devices by the last four characters of their uuid.
-- pgboot:requires 0003
SELECT 'user_devices has no valid index on ("right"(device_uuid, 4))' AS violation
 WHERE NOT EXISTS (
       SELECT 1
         FROM pg_index i
        WHERE i.indrelid = to_regclass('user_devices')
          AND i.indisvalid
          AND i.indpred IS NULL
          AND pg_get_expr(i.indexprs, i.indrelid) = '"right"(device_uuid, 4)');
