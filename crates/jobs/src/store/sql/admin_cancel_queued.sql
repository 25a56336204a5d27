WITH done AS (DELETE FROM job_queue WHERE id = $1 AND state = 'queued'
    AND ($2::uuid IS NULL OR user_id = $2) RETURNING *)
INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts, max_attempts,
    unique_key, concurrency_key, batch_id, errors, result, created_at)
SELECT id, kind, queue, user_id, payload, priority, 'cancelled', attempts, max_attempts, unique_key,
    concurrency_key, batch_id, errors, NULL, created_at FROM done
