-- Where each user's Gmail or Calendar sync stands, so a retry or a killed worker resumes
-- instead of starting over (docs/adr/0029): the cursor of the last completed run (Gmail's
-- history id, Calendar's sync token), the run in progress with its next page, and the
-- service's circuit breaker. Written in the same transaction as each page's raw events.
CREATE TABLE google_sync_cursors (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    service text NOT NULL
        CONSTRAINT google_sync_cursors_service_check CHECK (service IN ('gmail', 'calendar')),
    -- Gmail: the history id to read changes from; Calendar: the sync token. NULL: full sync.
    cursor text,
    -- the run in progress (google_sync_runs.id), NULL between runs
    run_id uuid,
    run_mode text
        CONSTRAINT google_sync_cursors_run_mode_check CHECK (run_mode IN ('full', 'incremental')),
    -- Gmail full sync: the mailbox's history id when it started (the cursor once it ends)
    run_start_cursor text,
    -- the next page of the run in progress (NULL: its first page)
    page_token text,
    -- consecutive failed calls; the breaker is open while breaker_open_until is ahead
    breaker_failures integer NOT NULL DEFAULT 0
        CONSTRAINT google_sync_cursors_breaker_failures_check CHECK (breaker_failures >= 0),
    breaker_open_until timestamptz,
    last_success_at timestamptz,
    last_error_code text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, service),
    CONSTRAINT google_sync_cursors_run_complete
        CHECK ((run_id IS NULL) = (run_mode IS NULL))
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON google_sync_cursors
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE google_sync_cursors ENABLE ROW LEVEL SECURITY;
ALTER TABLE google_sync_cursors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON google_sync_cursors
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON google_sync_cursors TO omnicrm_app_group;
