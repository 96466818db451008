SELECT 'é€😀�';
SELECT E'a''\'; x';
