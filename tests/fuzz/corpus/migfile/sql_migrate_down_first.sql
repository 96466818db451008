-- +migrate Down
DROP TABLE t;

-- +migrate Up notransaction
CREATE TABLE t (id int);
