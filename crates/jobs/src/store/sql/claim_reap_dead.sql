WITH expired AS (
    DELETE FROM job_queue WHERE id = ANY($2) AND state = 'running' AND lease_expires_at < now()
      AND attempts >= max_attempts RETURNING * )
INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts, max_attempts,
    unique_key, concurrency_key, batch_id, errors, result, created_at)
SELECT id, kind, queue, user_id, payload, priority, 'dead', attempts, max_attempts, unique_key,
    concurrency_key, batch_id,
    errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'kind', 'lease_expired', 'code', 'lease_expired', 'error', $1::text, 'at', floor(extract(epoch FROM now()))::bigint)),
    NULL, created_at FROM expired
