-- Reverses 2026-11-27-000160_contact_search_and_counts.
CREATE INDEX photo_access_audit_user_accessed_idx
    ON photo_access_audit (user_id, accessed_at DESC, id DESC);

CREATE INDEX notes_user_contact_created_idx ON notes (user_id, contact_id, created_at DESC);
DROP INDEX notes_user_contact_latest_idx;

DROP TRIGGER contacts_count_deleted ON contacts;
DROP TRIGGER contacts_count_inserted ON contacts;
DROP FUNCTION contacts_adjust_tenant_count();
ALTER TABLE tenants DROP COLUMN contact_count;

DROP VIEW tenant_contacts;
DROP POLICY IF EXISTS owner_search ON contacts;
CREATE INDEX contacts_display_name_trgm_idx ON contacts USING gin (display_name gin_trgm_ops);
CREATE INDEX contacts_primary_email_trgm_idx ON contacts USING gin (primary_email gin_trgm_ops);
CREATE INDEX contacts_primary_phone_trgm_idx ON contacts USING gin (primary_phone gin_trgm_ops);
DROP INDEX contacts_search_idx;
ALTER TABLE contacts DROP COLUMN search_words, DROP COLUMN search_document;
DROP FUNCTION contact_search_words(text, text);
DROP FUNCTION contact_search_document(text, text, text);
DROP EXTENSION IF EXISTS btree_gin;
