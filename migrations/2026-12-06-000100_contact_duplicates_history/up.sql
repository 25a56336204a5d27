-- A public onboarding submission never changes an existing contact: it creates its own,
-- marked as a possible duplicate of the contacts whose email or phone it shares, and the
-- practitioner merges or dismisses the mark. See docs/crm/onboarding.md and
-- docs/crm/contacts.md ("Possible duplicates", "Merging").

-- ---------------------------------------------------------------------------------------
-- contact_duplicates: "contact_id may be the same person as existing_id". Both ends cascade,
-- so deleting either contact drops the mark; a merge moves or drops it explicitly.
-- ---------------------------------------------------------------------------------------
CREATE TABLE contact_duplicates (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    -- the newer contact (the one a submission created)
    contact_id uuid NOT NULL,
    -- the contact it shares an email or phone with
    existing_id uuid NOT NULL,
    matched text NOT NULL
        CONSTRAINT contact_duplicates_matched_check CHECK (matched IN ('email', 'phone')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, contact_id, existing_id),
    CONSTRAINT contact_duplicates_distinct_check CHECK (contact_id <> existing_id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, existing_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX contact_duplicates_user_existing_idx ON contact_duplicates (user_id, existing_id);
CREATE INDEX contact_duplicates_user_created_idx
    ON contact_duplicates (user_id, created_at DESC, contact_id, existing_id);

ALTER TABLE contact_duplicates ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_duplicates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_duplicates
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON contact_duplicates TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- contact_history: what happened to a contact outside ordinary edits (an onboarding
-- submission created it, another contact was merged into it). Moves with a merge.
-- ---------------------------------------------------------------------------------------
CREATE TABLE contact_history (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid NOT NULL,
    kind text NOT NULL
        CONSTRAINT contact_history_kind_check CHECK (kind IN ('onboarding_submission', 'merge')),
    detail jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX contact_history_user_contact_idx
    ON contact_history (user_id, contact_id, occurred_at DESC, id DESC);

ALTER TABLE contact_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_history
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON contact_history TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- onboarding_uploads.visitor: sha256 (hex) of the uploading client's rate-limit identity,
-- so the pending-upload cap is per visitor as well as per link. NULL for older rows.
-- ---------------------------------------------------------------------------------------
ALTER TABLE onboarding_uploads ADD COLUMN visitor text;
CREATE INDEX onboarding_uploads_user_token_visitor_idx
    ON onboarding_uploads (user_id, token_id, visitor);
