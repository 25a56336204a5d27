INSERT INTO job_schedules (name, cron, timezone, kind, queue, payload, skip_if_running, next_run_at,
    user_id, concurrency_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (name) DO UPDATE SET cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
    kind = EXCLUDED.kind, queue = EXCLUDED.queue, payload = EXCLUDED.payload,
    skip_if_running = EXCLUDED.skip_if_running,
    user_id = EXCLUDED.user_id, concurrency_key = EXCLUDED.concurrency_key,
    next_run_at = CASE WHEN job_schedules.cron IS DISTINCT FROM EXCLUDED.cron
                         OR job_schedules.timezone IS DISTINCT FROM EXCLUDED.timezone
                       THEN EXCLUDED.next_run_at ELSE job_schedules.next_run_at END
RETURNING next_run_at
