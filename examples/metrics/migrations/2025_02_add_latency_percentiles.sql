-- pgboot:up
-- metrics 2025_02: latency percentiles next to the average, and a daily
-- roll-up view for the dashboard.
ALTER TABLE conversation_metrics
    ADD COLUMN p50_response_ms integer,
    ADD COLUMN p95_response_ms integer,
    ADD COLUMN p99_response_ms integer,
    ADD CONSTRAINT conversation_metrics_percentiles_ordered
        CHECK (p50_response_ms <= p95_response_ms AND p95_response_ms <= p99_response_ms);

CREATE VIEW daily_metrics AS
SELECT metric_date,
       count(*)                       AS conversations,
       sum(message_count)             AS messages,
       sum(tokens_in + tokens_out)    AS tokens,
       round(avg(avg_response_ms))    AS avg_response_ms,
       max(p95_response_ms)           AS worst_p95_response_ms
  FROM conversation_metrics
 GROUP BY metric_date;

-- pgboot:down
DROP VIEW daily_metrics;
ALTER TABLE conversation_metrics
    DROP CONSTRAINT conversation_metrics_percentiles_ordered,
    DROP COLUMN p99_response_ms,
    DROP COLUMN p95_response_ms,
    DROP COLUMN p50_response_ms;
