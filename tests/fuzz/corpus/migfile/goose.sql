-- +goose NO TRANSACTION
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int AS $$
-- +goose Down
SELECT 1 $$ LANGUAGE sql;
-- +goose StatementEnd
-- +goose Down
DROP FUNCTION f();
