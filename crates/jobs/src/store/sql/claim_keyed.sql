WITH locked AS (
    SELECT q.id, q.concurrency_key, q.concurrency_limit, q.priority, q.run_at FROM job_queue q
    WHERE q.state = 'queued' AND q.run_at <= now() AND q.queue = $1
      AND ($6::uuid IS NULL OR q.user_id = $6)
      AND NOT EXISTS (SELECT 1 FROM job_queue_pauses p WHERE p.queue = q.queue)
      AND q.concurrency_key = ANY($5)
      AND (SELECT count(*) FROM job_queue r
             WHERE r.running_concurrency = q.concurrency_key) < q.concurrency_limit
    ORDER BY q.priority DESC, q.run_at, q.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
), ranked AS (
    SELECT l.id, l.concurrency_key, l.concurrency_limit,
           row_number() OVER (PARTITION BY l.concurrency_key ORDER BY l.priority DESC, l.run_at, l.id) AS rn
    FROM locked l
), allowed AS (
    SELECT r.id FROM ranked r
    WHERE r.rn + (SELECT count(*) FROM job_queue x
                    WHERE x.running_concurrency = r.concurrency_key) <= r.concurrency_limit
)
UPDATE job_queue j SET state = 'running', attempts = j.attempts + 1, lease_owner = $2,
    lease_token = gen_random_uuid(), lease_expires_at = now() + $3 * interval '1 millisecond',
    running_concurrency = j.concurrency_key
WHERE j.id = ANY(ARRAY(SELECT a.id FROM allowed a))
RETURNING j.id, j.kind, j.user_id, j.payload, j.attempts, j.max_attempts, j.batch_id, j.lease_token
