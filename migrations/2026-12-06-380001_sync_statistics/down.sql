DROP FUNCTION refresh_sync_statistics();
DROP INDEX raw_events_user_batch_pending_idx;
