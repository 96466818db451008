SELECT 1;
SELECT
  2;
SELECT E'a''\'; x';
SELECT 1 -- c
;
