-- cluster: rewrites the table under ACCESS EXCLUSIVE
-- expect: cluster
CLUSTER messages USING messages_pkey;

-- expect: cluster
CLUSTER orders;
