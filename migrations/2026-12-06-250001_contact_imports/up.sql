-- Contact imports (`POST /contacts/import`): the uploaded CSV waits here for the job
-- `contacts.import`, which writes the contacts, records its progress and the report, and
-- clears the CSV. See docs/crm/contacts.md ("Import").
CREATE TABLE contact_imports (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    status text NOT NULL DEFAULT 'queued'
        CONSTRAINT contact_imports_status_check
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    -- what to do with a row that duplicates a contact: skip it or merge it
    duplicates text NOT NULL
        CONSTRAINT contact_imports_duplicates_check CHECK (duplicates IN ('skip', 'merge')),
    dry_run boolean NOT NULL DEFAULT false,
    -- the uploaded file, until the job has run (bounded by the route's body limit)
    source_csv bytea,
    -- valid rows to write, and how many of them are written so far
    rows_total integer NOT NULL
        CONSTRAINT contact_imports_rows_total_check CHECK (rows_total >= 0),
    rows_processed integer NOT NULL DEFAULT 0
        CONSTRAINT contact_imports_rows_processed_check
        CHECK (rows_processed >= 0 AND rows_processed <= rows_total),
    -- created, merged, skipped and rejected rows with reasons (when done)
    report jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (user_id, id),
    CONSTRAINT contact_imports_done_has_report CHECK (status <> 'done' OR report IS NOT NULL)
);

ALTER TABLE contact_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_imports
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON contact_imports TO omnicrm_app_group;
