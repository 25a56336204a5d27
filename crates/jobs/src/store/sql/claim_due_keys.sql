SELECT DISTINCT concurrency_key AS key FROM job_queue
WHERE state = 'queued' AND concurrency_key IS NOT NULL AND run_at <= now() AND queue = $1
ORDER BY 1 LIMIT 64
