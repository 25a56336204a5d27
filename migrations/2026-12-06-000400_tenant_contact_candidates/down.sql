-- Reverses 2026-12-06-000400_tenant_contact_candidates.
CREATE VIEW tenant_contacts AS
    SELECT * FROM contacts WHERE user_id = app_current_user();

GRANT SELECT ON tenant_contacts TO omnicrm_app_group;

DROP FUNCTION tenant_contact_candidates(text, text, text);
