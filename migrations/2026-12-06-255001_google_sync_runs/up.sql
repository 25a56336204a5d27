-- The Google sync ledger: one row per sync run of one service for one user, so a gap in
-- the timeline is visible (`GET /omni-connect/dashboard`) instead of hidden. The sync job
-- opens the row and records what it listed, fetched and skipped; normalisation of the
-- run's raw events (raw_events.batch_id = id) adds what it imported, skipped and failed.
-- See docs/crm/google.md.
CREATE TABLE google_sync_runs (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    -- also the batch_id of the raw events and interactions the run wrote
    id uuid NOT NULL,
    service text NOT NULL
        CONSTRAINT google_sync_runs_service_check CHECK (service IN ('gmail', 'calendar')),
    -- full: backfill or a resync after an expired cursor; incremental: from the cursor
    mode text NOT NULL
        CONSTRAINT google_sync_runs_mode_check CHECK (mode IN ('full', 'incremental')),
    -- what started it: the recurring schedule, "sync now", or the connect callback
    trigger text NOT NULL
        CONSTRAINT google_sync_runs_trigger_check
        CHECK (trigger IN ('schedule', 'manual', 'connect')),
    -- the job that ran it (job rows are removed by retention; the ledger stays)
    job_id uuid,
    status text NOT NULL DEFAULT 'running'
        CONSTRAINT google_sync_runs_status_check
        CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    -- items the provider listed, items fetched in full, interactions written
    listed integer NOT NULL DEFAULT 0 CONSTRAINT google_sync_runs_listed_check CHECK (listed >= 0),
    fetched integer NOT NULL DEFAULT 0 CONSTRAINT google_sync_runs_fetched_check CHECK (fetched >= 0),
    imported integer NOT NULL DEFAULT 0
        CONSTRAINT google_sync_runs_imported_check CHECK (imported >= 0),
    -- items not imported, by reason: {"spam": 3, "trash": 1, "unchanged": 40}
    skipped jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT google_sync_runs_skipped_object CHECK (jsonb_typeof(skipped) = 'object'),
    failed integer NOT NULL DEFAULT 0 CONSTRAINT google_sync_runs_failed_check CHECK (failed >= 0),
    -- a stable code (never provider text, which may quote personal data)
    error_code text,
    PRIMARY KEY (user_id, id),
    CONSTRAINT google_sync_runs_finished_when_done
        CHECK ((status = 'running') = (finished_at IS NULL))
);

-- the dashboard's recent runs per service, newest first
CREATE INDEX google_sync_runs_recent_idx ON google_sync_runs (user_id, service, started_at DESC);

ALTER TABLE google_sync_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE google_sync_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON google_sync_runs
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON google_sync_runs TO omnicrm_app_group;
