UPDATE job_queue SET state = 'queued', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
    running_concurrency = NULL, run_at = now(),
    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'kind', 'lease_expired', 'code', 'lease_expired', 'error', $1::text, 'at', floor(extract(epoch FROM now()))::bigint))
WHERE id = ANY($2) AND state = 'running' AND lease_expires_at < now()
