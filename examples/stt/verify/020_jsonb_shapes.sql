-- JSONB columns hold the shapes the service writes.
-- pgboot:requires 0004
SELECT format('job %s: options is not an object', id) AS violation FROM jobs WHERE jsonb_typeof(options) <> 'object'
UNION ALL
SELECT format('feedback %s: corrections is not an array', id) FROM feedback WHERE jsonb_typeof(corrections) <> 'array'
UNION ALL
SELECT format('job %s succeeded without a text result', id) FROM jobs
 WHERE status = 'succeeded' AND NOT result ? 'text';
