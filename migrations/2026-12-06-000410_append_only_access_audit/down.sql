-- Reverses 2026-12-06-000410_append_only_access_audit.
DROP FUNCTION erase_photo_access_audit();

GRANT UPDATE, DELETE ON photo_access_audit TO omnicrm_app_group;
