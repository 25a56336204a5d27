INSERT INTO heavy_request_leases (lease_id, bucket, expires_at)
SELECT $2, $1, now() + make_interval(secs => $4)
WHERE (SELECT count(*) FROM heavy_request_leases WHERE bucket = $1) < $3
