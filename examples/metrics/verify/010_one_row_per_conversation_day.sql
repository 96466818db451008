-- conversation_metrics has one row per conversation and day, and the
-- percentiles are ordered where present.
-- pgboot:requires 2025_02
SELECT format('conversation %s on %s: %s rows', conversation_id, metric_date, count(*)) AS violation
  FROM conversation_metrics
 GROUP BY conversation_id, metric_date
HAVING count(*) > 1
UNION ALL
SELECT format('conversation %s on %s: p50 > p95 or p95 > p99', conversation_id, metric_date)
  FROM conversation_metrics
 WHERE p50_response_ms > p95_response_ms OR p95_response_ms > p99_response_ms;
