INSERT INTO job_queue (id, kind, queue, payload, max_attempts, unique_key, user_id, concurrency_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
