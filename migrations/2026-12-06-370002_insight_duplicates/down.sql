DROP FUNCTION tenant_duplicate_contacts(uuid[], integer);
DROP POLICY owner_duplicates ON contact_identities;
