-- ---------------------------------------------------------------------------------------
-- erasure_receipts: proof that a user's data was erased (GDPR accountability). It must
-- outlive the tenant, so it is not a tenant table: no user_id column (the catalog-driven
-- erasure and export never see it) and no RLS. The user is named only by `subject`, a
-- keyed hash (HMAC-SHA256 under a key derived from OMNICRM_ENCRYPTION_KEYS) of their id:
-- the receipt can be found again by the same user, and tells nobody else whose it is.
-- The application may insert and complete receipts, never delete them.
-- ---------------------------------------------------------------------------------------
CREATE TABLE erasure_receipts (
    id uuid PRIMARY KEY,
    subject text NOT NULL,
    requested_at timestamptz NOT NULL,
    -- set once files and external steps are done; NULL while (or if) they are not
    completed_at timestamptz,
    -- {"contacts": 12, "notes": 40, ...}: rows removed per table
    rows_removed jsonb NOT NULL DEFAULT '{}',
    files_removed bigint NOT NULL DEFAULT 0
        CONSTRAINT erasure_receipts_files_removed_check CHECK (files_removed >= 0),
    -- [{"name": "google-grants", "outcome": "succeeded", "removed": 1}, ...]
    steps jsonb NOT NULL DEFAULT '[]'
);

CREATE INDEX erasure_receipts_subject_idx ON erasure_receipts (subject, requested_at DESC);

GRANT SELECT, INSERT, UPDATE ON erasure_receipts TO omnicrm_app_group;
