-- Asynchronous user exports and the shared per-user concurrency slots of heavy routes.
-- See docs/crm/export-and-erasure.md and docs/operations.md.

-- ---------------------------------------------------------------------------------------
-- user_exports: one asynchronous export (`POST /user/export`). The job
-- `user_data.export` writes the archive to storage (`<user_id>/exports/<uuid>.zip`) and
-- marks the row ready; the archive is deleted when the row expires (the daily storage
-- sweep) or with the tenant.
-- ---------------------------------------------------------------------------------------
CREATE TABLE user_exports (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT user_exports_status_check
        CHECK (status IN ('pending', 'ready', 'failed')),
    -- storage key of the finished archive
    object_key text,
    size_bytes bigint
        CONSTRAINT user_exports_size_bytes_check CHECK (size_bytes >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    -- when the archive is removed (set when it is ready)
    expires_at timestamptz,
    PRIMARY KEY (user_id, id),
    CONSTRAINT user_exports_object_key_key UNIQUE (user_id, object_key),
    CONSTRAINT user_exports_ready_has_object
        CHECK (status <> 'ready' OR (object_key IS NOT NULL AND expires_at IS NOT NULL))
);

CREATE INDEX user_exports_expires_idx ON user_exports (expires_at) WHERE expires_at IS NOT NULL;

ALTER TABLE user_exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_exports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_exports
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON user_exports TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- heavy_request_leases: one row per heavy request in flight (uploads, exports, bulk
-- operations), per bucket (`user:<id>`), so every server instance shares the per-user
-- limit. A lease is removed when its request ends; one left by a crashed instance stops
-- counting at expires_at. Not a tenant table (like rate_limit_counters); UNLOGGED: after
-- a crash no request is in flight anyway.
-- ---------------------------------------------------------------------------------------
CREATE UNLOGGED TABLE heavy_request_leases (
    lease_id uuid PRIMARY KEY,
    bucket text NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX heavy_request_leases_bucket_idx ON heavy_request_leases (bucket, expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON heavy_request_leases TO omnicrm_app_group;
