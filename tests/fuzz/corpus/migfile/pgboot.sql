/* licence
 * text */
-- pgboot:no-transaction
-- pgboot:idempotent
SELECT 1;
-- pgboot: down -- note
SELECT 2;
-- pgboot:up
SELECT 3;
