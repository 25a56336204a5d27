WITH dead AS (SELECT * FROM job_history h WHERE h.id = ANY($1) AND h.state = 'dead'
    AND ($2::uuid IS NULL OR h.user_id = $2)),
requeued AS (INSERT INTO job_queue (id, kind, queue, user_id, payload, priority, run_at, max_attempts,
    unique_key, concurrency_key, batch_id, errors, created_at)
    SELECT id, kind, queue, user_id, payload, priority, now(), max_attempts, unique_key, concurrency_key,
        batch_id, errors, created_at FROM dead
    ON CONFLICT DO NOTHING RETURNING id)
DELETE FROM job_history h USING requeued r WHERE h.id = r.id AND h.state = 'dead' RETURNING h.id
