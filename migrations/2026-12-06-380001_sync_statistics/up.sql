-- A first Google sync writes tens of thousands of raw events and interactions within
-- seconds, long before autovacuum's next look (a minute at best). Until then the planner
-- believes the user has a handful of rows and plans the normaliser's chunk statements as
-- nested loops over everything already written: quadratic in the mailbox (ADR 0040).

-- The normaliser's claim reads only what is still pending, in id order.
CREATE INDEX raw_events_user_batch_pending_idx ON raw_events (user_id, batch_id, id)
    WHERE processing_status = 'pending';

-- Lets the app role refresh the statistics of the tables a sync fills once they have grown
-- past what the planner knows: more rows changed since the last ANALYZE than the table had
-- then (and at least 1,000). Doubling keeps it to a few runs per sync; ANALYZE samples a
-- bounded number of rows whatever the table's size. Answers the tables analysed.
CREATE FUNCTION refresh_sync_statistics()
    RETURNS text[]
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    stale text[];
    t text;
BEGIN
    SELECT coalesce(array_agg(s.relname::text ORDER BY s.relname), '{}') INTO stale
    FROM pg_stat_user_tables AS s
    JOIN pg_class AS c ON c.oid = s.relid
    WHERE s.schemaname = 'public'
      AND s.relname IN ('raw_events', 'interactions')
      AND s.n_mod_since_analyze > greatest(1000, c.reltuples);
    FOREACH t IN ARRAY stale LOOP
        EXECUTE format('ANALYZE %I', t);
    END LOOP;
    RETURN stale;
END
$$;
REVOKE ALL ON FUNCTION refresh_sync_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_sync_statistics() TO omnicrm_app_group;
