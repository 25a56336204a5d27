SELECT state, count(*) AS n FROM (
    SELECT state FROM job_queue WHERE batch_id = $1 AND ($2::uuid IS NULL OR user_id = $2)
    UNION ALL SELECT state FROM job_history WHERE batch_id = $1 AND ($2::uuid IS NULL OR user_id = $2)) s
GROUP BY state
