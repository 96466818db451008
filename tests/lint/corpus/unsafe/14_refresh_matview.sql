-- refresh-matview-not-concurrent: blocks every read of the view for the refresh
-- expect: refresh-matview-not-concurrent
REFRESH MATERIALIZED VIEW daily_totals;

-- expect: refresh-matview-not-concurrent
REFRESH MATERIALIZED VIEW public.user_stats WITH DATA;
