DROP INDEX photo_access_audit_user_contact_accessed_idx;
CREATE INDEX photo_access_audit_user_contact_accessed_idx
    ON photo_access_audit (user_id, contact_id, accessed_at DESC);
DROP INDEX contacts_user_photo_url_idx;
DROP INDEX client_files_user_path_key;
