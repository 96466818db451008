SELECT '
-- pgboot:down
';
/*
-- +migrate Down
*/
SELECT E'\'
-- migrate:down
';
