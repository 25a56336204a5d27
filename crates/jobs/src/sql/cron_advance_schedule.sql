UPDATE job_schedules SET next_run_at = $2,
    last_fired_at = CASE WHEN $3 THEN $4 ELSE last_fired_at END
WHERE name = $1
