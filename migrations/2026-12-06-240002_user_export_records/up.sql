-- ---------------------------------------------------------------------------------------
-- user_export_records: every export of the user's data that was handed out (a download of
-- GET /user/export, or an archive of POST /user/export that became ready): when, how big,
-- and from which sign-in session (the access token's session_id, if it had one). The
-- user's own data: a tenant table, exported and erased with everything else.
-- ---------------------------------------------------------------------------------------
CREATE TABLE user_export_records (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    kind text NOT NULL
        CONSTRAINT user_export_records_kind_check CHECK (kind IN ('download', 'stored')),
    exported_at timestamptz NOT NULL,
    size_bytes bigint NOT NULL
        CONSTRAINT user_export_records_size_bytes_check CHECK (size_bytes >= 0),
    session_id text,
    PRIMARY KEY (user_id, id)
);

ALTER TABLE user_export_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_export_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_export_records
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON user_export_records TO omnicrm_app_group;
