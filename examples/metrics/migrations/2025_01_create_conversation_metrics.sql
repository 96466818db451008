-- pgboot:up
-- metrics: daily per-conversation metrics of a chat service, in a project
-- that names migrations by year and month. Version 2025_01 is compared
-- group by group as the numbers (2025, 1): 2025_02 follows it, and a later
-- 2025_10 would follow 2025_09.
CREATE TABLE conversation_metrics (
    id                bigserial   PRIMARY KEY,
    conversation_id   uuid        NOT NULL,
    metric_date       date        NOT NULL,
    message_count     integer     NOT NULL DEFAULT 0,
    user_messages     integer     NOT NULL DEFAULT 0,
    avg_response_ms   integer,
    tokens_in         bigint      NOT NULL DEFAULT 0,
    tokens_out        bigint      NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversation_metrics_day_key UNIQUE (conversation_id, metric_date),
    CONSTRAINT conversation_metrics_counts_nonneg
        CHECK (message_count >= 0 AND user_messages BETWEEN 0 AND message_count
               AND tokens_in >= 0 AND tokens_out >= 0),
    CONSTRAINT conversation_metrics_avg_nonneg CHECK (avg_response_ms IS NULL OR avg_response_ms >= 0)
);
CREATE INDEX conversation_metrics_date_idx ON conversation_metrics (metric_date);

-- pgboot:down
DROP TABLE conversation_metrics;
