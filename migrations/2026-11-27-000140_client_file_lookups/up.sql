-- Lookups the file routes need.
--
-- A signed download and `GET /storage/file-url` check that the object is still referenced
-- by one of its owner's rows: by a client_files row (unique: one object, one row, so
-- deleting the row may delete the object) or by a contact's photo.
CREATE UNIQUE INDEX client_files_user_path_key ON client_files (user_id, file_path);
CREATE INDEX contacts_user_photo_url_idx ON contacts (user_id, photo_url)
    WHERE photo_url IS NOT NULL;

-- The photo access log is read per contact, newest first, with (accessed_at, id) as the
-- cursor: rows written by one request share accessed_at, so id breaks the tie.
DROP INDEX photo_access_audit_user_contact_accessed_idx;
CREATE INDEX photo_access_audit_user_contact_accessed_idx
    ON photo_access_audit (user_id, contact_id, accessed_at DESC, id DESC);
