WITH done AS (DELETE FROM job_queue WHERE id = $1 AND lease_token = $2 RETURNING *)
INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts,
    max_attempts, unique_key, concurrency_key, batch_id, errors, result, created_at)
SELECT id, kind, queue, user_id, payload, priority, $3, attempts, max_attempts, unique_key, concurrency_key,
    batch_id, errors || $4, $5, created_at FROM done
