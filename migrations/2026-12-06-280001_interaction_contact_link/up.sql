-- Who linked an interaction to its contact: 'auto' (normalisation matched an email) or
-- 'manual' (PATCH /interactions/{id}). Normalisation re-links only 'auto' rows, so a link
-- or unlink made by hand survives a re-sync. See docs/adr/0030-google-normalisation.md.
ALTER TABLE interactions ADD COLUMN contact_linked_by text NOT NULL DEFAULT 'auto'
    CONSTRAINT interactions_contact_linked_by_check
    CHECK (contact_linked_by IN ('auto', 'manual'));
