WITH t AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[]) AS t(id, token, result)),
done AS (DELETE FROM job_queue j USING t WHERE j.id = t.id AND j.lease_token = t.token
         RETURNING j.*, t.result AS new_result)
INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts, max_attempts,
    unique_key, concurrency_key, batch_id, errors, result, created_at)
SELECT id, kind, queue, user_id, payload, priority, 'succeeded', attempts, max_attempts, unique_key,
    concurrency_key, batch_id, errors, new_result, created_at FROM done RETURNING id
