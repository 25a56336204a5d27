WITH clock AS (
    SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $3) * $3) AS cur_start,
           clock_timestamp() AS now
),
prev AS (
    SELECT coalesce((SELECT r.count FROM rate_limit_counters r
                     WHERE r.bucket = $1
                       AND r.window_start = clock.cur_start - make_interval(secs => $3)), 0) AS n,
           1 - extract(epoch FROM (clock.now - clock.cur_start)) / $3 AS weight,
           clock.cur_start,
           extract(epoch FROM (clock.now - clock.cur_start))::float8 AS elapsed
    FROM clock
),
admitted AS (
    INSERT INTO rate_limit_counters AS c (bucket, window_start, count, expires_at)
    SELECT $1, prev.cur_start, 1, prev.cur_start + make_interval(secs => 2 * $3)
    FROM prev
    WHERE prev.n * prev.weight < $2
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = c.count + 1
        WHERE (SELECT p.n * p.weight FROM prev p) + c.count < $2
    RETURNING c.count
)
SELECT prev.n AS previous,
       coalesce((SELECT a.count FROM admitted a),
                (SELECT r.count FROM rate_limit_counters r
                 WHERE r.bucket = $1 AND r.window_start = prev.cur_start),
                0) AS current,
       EXISTS (SELECT 1 FROM admitted) AS admitted,
       prev.elapsed AS elapsed_secs,
       -- The tenant the account (the fourth parameter) works on now, as
       -- account_tenants::resolve reads it, in the same round trip (NULL for no account)
       coalesce((SELECT t.tenant_id FROM account_tenants t WHERE t.subject = $4::uuid),
                $4::uuid) AS tenant
FROM prev
