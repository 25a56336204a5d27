UPDATE job_queue j SET lease_expires_at = now() + $3 * interval '1 millisecond'
FROM unnest($1::uuid[], $2::uuid[]) AS t(id, token)
WHERE j.id = t.id AND j.lease_token = t.token AND j.state = 'running'
RETURNING j.id, j.cancel_requested
