UPDATE job_queue SET state = 'queued', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
    running_concurrency = NULL, run_at = now() + $3 * interval '1 millisecond', errors = errors || $4, attempts = attempts - $5
WHERE id = $1 AND lease_token = $2
