-- pgboot:no-transaction
-- plain VACUUM and ANALYZE take SHARE UPDATE EXCLUSIVE: reads and writes go on
VACUUM (ANALYZE) messages;

ANALYZE orders;
