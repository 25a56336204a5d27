UPDATE job_queue j SET state = 'running', attempts = j.attempts + 1, lease_owner = $2,
    lease_token = gen_random_uuid(), lease_expires_at = now() + $3 * interval '1 millisecond'
WHERE j.id = ANY(ARRAY(
    SELECT q.id FROM job_queue q
    WHERE q.state = 'queued' AND q.queue = $1 AND q.run_at <= now() AND q.concurrency_key IS NULL
      AND ($5::uuid IS NULL OR q.user_id = $5)
      AND NOT EXISTS (SELECT 1 FROM job_queue_pauses p WHERE p.queue = $1)
    ORDER BY q.priority DESC, q.run_at, q.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
))
RETURNING j.id, j.kind, j.user_id, j.payload, j.attempts, j.max_attempts, j.batch_id, j.lease_token
